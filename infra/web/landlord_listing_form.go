package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// The listing form (/landlord/listings/new and /landlord/listings/{id}/edit)
// has a field for every field CreateListing and EditListing take but the
// cover, which the photos page chooses. Its names are the commands' own
// (ListingPatch's JSON names), so each message the command gives lands beside
// its field. A draft may be incomplete: an empty price, area, deposit or
// minimum stay is left unset; publishing asks for what it needs.

// listingFormView is what the form draws besides the Form.
type listingFormView struct {
	section
	L            *ownListing // nil: a new listing
	Action       string
	Districts    []districtGroup
	Orientations []option
}

type districtGroup struct {
	City    rental.City
	Options []option
}

type option struct {
	Value, Name string
	Selected    bool
}

// orientations are the 朝向 a listing usually has; a value from elsewhere
// (an import) is offered too, so editing keeps it.
var orientations = []string{"南", "北", "东", "西", "南北", "东南", "西南", "东北", "西北", "东西"}

func (p *pages) newListingForm(c echo.Context) error {
	return p.drawListingForm(c, nil, Form{Values: url.Values{"min_months": {"1"}, "living_rooms": {"1"}, "bathrooms": {"1"}}})
}

func (p *pages) editListingForm(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := p.ownListingOf(c, id, version(c))
	if err != nil {
		return err
	}
	return p.drawListingForm(c, &l, Form{Values: listingValues(l.listingView)})
}

// drawListingForm draws the form of l (nil: a new listing) holding f.
func (p *pages) drawListingForm(c echo.Context, l *ownListing, f Form) error {
	v := listingFormView{L: l, Action: "/landlord/listings"}
	title, current := "发布房源", "/landlord/listings/new"
	if l != nil {
		v.Action, title, current = l.EditURL(), "编辑房源", "/landlord/listings"
	}
	v.section = newLandlordSection(c, current)
	if f.Values == nil {
		f.Values = url.Values{}
	}
	v.Districts = p.districtGroups(strings.TrimSpace(f.Get("city")), strings.TrimSpace(f.Get("district")))
	o := strings.TrimSpace(f.Get("orientation"))
	known := false
	for _, name := range orientations {
		v.Orientations = append(v.Orientations, option{Value: name, Name: name, Selected: name == o})
		known = known || name == o
	}
	if o != "" && !known {
		v.Orientations = append(v.Orientations, option{Value: o, Name: o, Selected: true})
	}
	return p.renderForm(c, "landlord_listing_form", title, f, v)
}

// districtGroups are every city's districts, for a select that works
// without the script (grouped by city) and that the script narrows to the
// chosen city. The chosen district is selected in the chosen city's group,
// or, when that city has no such district (a refused form), wherever it is,
// so what was chosen is kept.
func (p *pages) districtGroups(city, district string) []districtGroup {
	var out []districtGroup
	at := -1
	for _, cty := range p.cities {
		g := districtGroup{City: cty}
		for _, d := range cty.Districts {
			g.Options = append(g.Options, option{Value: d.Code, Name: d.Name})
			if d.Code == district && (at < 0 || cty.Code == city) {
				at = len(out)
			}
		}
		out = append(out, g)
	}
	if at >= 0 {
		for i := range out[at].Options {
			out[at].Options[i].Selected = out[at].Options[i].Value == district
		}
	}
	return out
}

// listingValues fills the form from a listing.
func listingValues(l listingView) url.Values {
	num := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	v := url.Values{
		"title": {l.Title}, "reference": {l.Reference}, "city": {l.City}, "district": {l.District},
		"block": {l.Block}, "community": {l.Community}, "address": {l.Address}, "traffic": {l.Traffic},
		"rent_type": {l.RentType}, "bedrooms": {itoa(l.Bedrooms)}, "living_rooms": {itoa(l.LivingRooms)},
		"bathrooms": {itoa(l.Bathrooms)}, "orientation": {l.Orientation}, "floor": {l.Floor},
		"price": {num(l.Price)}, "deposit": {strconv.FormatInt(l.Deposit, 10)}, "min_months": {itoa(l.MinMonths)},
		"facilities": l.Facilities, "highlights": {l.Highlights}, "description": {l.Description},
		"area_sqm": {""},
	}
	if l.AreaSqm > 0 {
		v.Set("area_sqm", strconv.FormatFloat(l.AreaSqm, 'f', -1, 64))
	}
	return v
}

// patchOf reads the form into the commands' patch. What cannot be read as
// a number is named in bad (the command cannot judge it).
func patchOf(f Form) (command.ListingPatch, map[string]string) {
	bad := map[string]string{}
	text := func(name string) *string { s := f.Get(name); return &s }
	p := command.ListingPatch{
		Title: text("title"), Description: text("description"), Block: text("block"), Community: text("community"),
		Address: text("address"), Orientation: text("orientation"), Floor: text("floor"), Highlights: text("highlights"),
		Traffic: text("traffic"), Reference: text("reference"), District: text("district"),
	}
	if city := strings.TrimSpace(f.Get("city")); city != "" {
		p.City = &city
	} else if strings.TrimSpace(f.Get("district")) != "" {
		bad["city"] = "请先选择城市"
	}
	if rt := strings.TrimSpace(f.Get("rent_type")); rt != "" {
		p.RentType = &rt
	}
	// Room counts: empty is none.
	count := func(name string) *int {
		n := int(intParam(f.Get(name), name, bad))
		return &n
	}
	p.Bedrooms, p.LivingRooms, p.Bathrooms = count("bedrooms"), count("living_rooms"), count("bathrooms")
	// Amounts: empty is not set (a draft may lack them); 7,800 is 7800.
	amount := func(name string) *int64 {
		raw := strings.NewReplacer(",", "", "，", "", " ", "").Replace(f.Get(name))
		if raw == "" {
			return nil
		}
		n := intParam(raw, name, bad)
		return &n
	}
	p.Price, p.Deposit = amount("price"), amount("deposit")
	if m := amount("min_months"); m != nil {
		n := int(*m)
		p.MinMonths = &n
	}
	if raw := strings.TrimSpace(f.Get("area_sqm")); raw != "" {
		a, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			bad["area_sqm"] = "请输入数字，如 89.5"
		}
		p.AreaSqm = &a
	}
	facilities := append([]string{}, f.Values["facilities"]...)
	p.Facilities = &facilities
	return p, bad
}

// createListing starts a draft with CreateListing and goes on to its photos.
func (p *pages) createListing(c echo.Context) error {
	f := formOf(c)
	again := func(f Form) error { return p.drawListingForm(c, nil, f) }
	patch, bad := patchOf(f)
	if len(bad) > 0 {
		return again(f.withError(rental.Invalid(bad)))
	}
	res, err := p.Commands.CreateListing.Handle(c.Request().Context(), command.CreateListing{Meta: meta(c), Fields: patch})
	if err != nil {
		return p.fail(c, err, again)
	}
	return see303(c, afterChange(landlordListingPath(res.ID)+"/photos", "/landlord/listings", res.Version, "created"))
}

// editListing saves the form with EditListing and, for 保存并发布
// (then=publish), publishes the listing with PublishListing; a listing that
// lacks what publishing needs comes back with each missing field marked.
func (p *pages) editListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	f := formOf(c)
	again := func(f Form) error {
		l, err := p.ownListingOf(c, id, 0)
		if err != nil {
			return err
		}
		return p.drawListingForm(c, &l, f)
	}
	patch, bad := patchOf(f)
	if len(bad) > 0 {
		return again(f.withError(rental.Invalid(bad)))
	}
	m := meta(c)
	res, err := p.Commands.EditListing.Handle(c.Request().Context(), command.EditListing{Meta: m, ListingID: id, Fields: patch})
	if err != nil {
		return p.fail(c, notMine(err), again)
	}
	done := "saved"
	if f.Get("then") == "publish" {
		// Another command of the same form: an id of its own, derived so a resubmit repeats it too.
		m.CommandID = uuidFor(m.CommandID.String() + "\x00publish")
		pub, err := p.Commands.PublishListing.Handle(c.Request().Context(), command.PublishListing{Meta: m, ListingID: id})
		switch {
		case err == nil:
			res, done = pub, "published"
		case rental.ErrorCode(err) == rental.EINVALID:
			return p.publishRefusedAt(c, id, res.Version, err)
		case rental.ErrorCode(err) == rental.ECONFLICT: // published already: saved is all there was to do
		default:
			return notMine(err)
		}
	}
	return see303(c, afterChange("/landlord/listings", "/landlord/listings", res.Version, done))
}

// publishRefused opens the form of a listing PublishListing refused, with
// each field it lacks marked.
func (p *pages) publishRefused(c echo.Context, id uuid.UUID, refusal error) error {
	return p.publishRefusedAt(c, id, 0, refusal)
}

func (p *pages) publishRefusedAt(c echo.Context, id uuid.UUID, minVersion int64, refusal error) error {
	l, err := p.ownListingOf(c, id, minVersion)
	if err != nil {
		return err
	}
	f := Form{Values: listingValues(l.listingView)}.withError(refusal)
	f.Message = "发布前请补全标出的信息。"
	return p.drawListingForm(c, &l, f)
}

// Publishable reports whether the listing's status allows 保存并发布.
func (v listingFormView) Publishable() bool {
	return v.L != nil && v.L.Status != events.StatusPublished
}
