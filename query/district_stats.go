package query

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"

	"github.com/zufang/rental"
)

// DistrictStats returns the charts of a district: every published listing's
// price against its area with the least-squares trend line (price = slope ×
// area + intercept), the share of each bedroom count, the top communities by
// listing count and the average monthly price per bedroom count. The read
// model keeps the figures current from every listing change.
type DistrictStats struct {
	City     string
	District string
}

// MaxChartPoints bounds the points drawn; the trend uses all of them. Every
// listing page of the district carries them (~75 bytes each as SVG), and
// on a chart 480 px wide more than a few hundred only overlap.
const MaxChartPoints = 300

func (q DistrictStats) CacheKey() string  { return "stats|" + q.City + "|" + q.District }
func (DistrictStats) DependsOn() []string { return onListings }

// AffectedBy makes the charts a Narrow query: only a listing published in
// the district, before or after its change, moves them.
func (q DistrictStats) AffectedBy(c Change) bool {
	if c.Listing == nil {
		return c.Stay == nil
	}
	in := func(l *ListingFacts) bool { return l != nil && l.City == q.City && l.District == q.District }
	return c.Listing.Unknown || in(c.Listing.Before) || in(c.Listing.After)
}

type DistrictStatsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Catalog  *rental.Catalog
}

type bedroomsJSON struct {
	Bedrooms int     `json:"bedrooms"`
	Count    int64   `json:"count"`
	Share    float64 `json:"share"`
	AvgPrice int64   `json:"avg_price"`
}

func (h DistrictStatsHandler) Handle(ctx context.Context, q DistrictStats) (Body, error) {
	districtName, ok := h.Catalog.DistrictName(q.City, q.District)
	if !ok {
		return Body{}, rental.Errorf(rental.ENOTFOUND, "no district %s in city %s (see GET /api/v1/areas)", q.District, q.City)
	}
	source := FromRedis
	data, err := h.RM.DistrictStats(ctx, q.City, q.District)
	if err != nil {
		source = FromMySQL
		if data, err = h.Fallback.DistrictStats(ctx, q.City, q.District); err != nil {
			return Body{}, err
		}
	}
	n := len(data.Points)
	points := make([][2]float64, 0, min(n, MaxChartPoints))
	for i := range min(n, MaxChartPoints) {
		p := data.Points[i*n/min(n, MaxChartPoints)] // evenly along the area axis when there are more
		points = append(points, [2]float64{p.AreaSqm, float64(p.Price)})
	}
	var total int64
	beds := make([]int, 0, len(data.Bedrooms))
	for b, c := range data.Bedrooms {
		beds = append(beds, b)
		total += c
	}
	slices.Sort(beds)
	bedrooms := make([]bedroomsJSON, 0, len(beds))
	for _, b := range beds {
		c := data.Bedrooms[b]
		if c <= 0 {
			continue
		}
		bedrooms = append(bedrooms, bedroomsJSON{Bedrooms: b, Count: c, Share: math.Round(float64(c)*10000/float64(total)) / 10000,
			AvgPrice: int64(math.Round(float64(data.PriceSums[b]) / float64(c)))})
	}
	cityName, _ := h.Catalog.CityName(q.City)
	body, err := json.Marshal(map[string]any{
		"city": q.City, "city_name": cityName, "district": q.District, "district_name": districtName,
		"listings": n, "points": points, "trend": trend(data.Points), "bedrooms": bedrooms, "communities": data.Communities,
	})
	if err != nil {
		return Body{}, fmt.Errorf("encoding the charts: %w", err)
	}
	return Body{JSON: body, Source: source}, nil
}

// trend fits price = slope × area + intercept by least squares; nil when
// the points cannot define a line.
func trend(points []PricePoint) map[string]float64 {
	n := float64(len(points))
	var sx, sy, sxx, sxy float64
	for _, p := range points {
		x, y := p.AreaSqm, float64(p.Price)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	den := n*sxx - sx*sx
	if len(points) < 2 || math.Abs(den) < 1e-9 {
		return nil
	}
	slope := (n*sxy - sx*sy) / den
	intercept := (sy - slope*sx) / n
	return map[string]float64{"slope": math.Round(slope*100) / 100, "intercept": math.Round(intercept*100) / 100}
}
