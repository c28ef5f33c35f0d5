package rental

// Catalog is the fixed dictionary listings refer to: cities with their
// districts, and facilities. It is seeded by migration, loaded once at
// start-up and never changes while a process runs, so it is safe to share.
type Catalog struct {
	cities     []City
	facilities []Facility
	cityIndex  map[string]int
	facIndex   map[string]int
}

// City is a city and its districts, in display order.
type City struct {
	Code      string     `json:"code"`
	Name      string     `json:"name"`
	Districts []District `json:"districts"`
}

// District is one district of a city.
type District struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Facility is something a listing can have; Position is its bit in masks.
type Facility struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Position int    `json:"-"`
}

// NewCatalog builds a catalog from cities and facilities in display order.
func NewCatalog(cities []City, facilities []Facility) *Catalog {
	c := &Catalog{cities: cities, facilities: facilities, cityIndex: map[string]int{}, facIndex: map[string]int{}}
	for i, city := range cities {
		c.cityIndex[city.Code] = i
	}
	for i, f := range facilities {
		c.facIndex[f.Code] = i
	}
	return c
}

// Cities returns every city with its districts.
func (c *Catalog) Cities() []City { return c.cities }

// Facilities returns every facility.
func (c *Catalog) Facilities() []Facility { return c.facilities }

// CityName returns the display name of a city code.
func (c *Catalog) CityName(city string) (string, bool) {
	i, ok := c.cityIndex[city]
	if !ok {
		return "", false
	}
	return c.cities[i].Name, true
}

// DistrictName returns the display name of a district of a city.
func (c *Catalog) DistrictName(city, district string) (string, bool) {
	i, ok := c.cityIndex[city]
	if !ok {
		return "", false
	}
	for _, d := range c.cities[i].Districts {
		if d.Code == district {
			return d.Name, true
		}
	}
	return "", false
}

// FacilityOrder returns a facility's position in the dictionary.
func (c *Catalog) FacilityOrder(code string) (int, bool) {
	i, ok := c.facIndex[code]
	if !ok {
		return 0, false
	}
	return c.facilities[i].Position, true
}

// FacilityMask returns the bit mask of a set of facility codes; unknown codes are ignored.
func (c *Catalog) FacilityMask(codes []string) uint64 {
	var m uint64
	for _, code := range codes {
		if pos, ok := c.FacilityOrder(code); ok {
			m |= 1 << uint(pos)
		}
	}
	return m
}
