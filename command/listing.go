package command

import (
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// Listing is a flat or room a landlord offers. Its rules:
//   - only its landlord changes it (checked by each handler);
//   - a draft may be incomplete, but a published listing always has a title,
//     a price, a city and district, a rent type and an area;
//   - it moves draft → published ⇄ unpublished, and any of them → deleted;
//     a deleted listing is gone for every command (ENOTFOUND);
//   - every field it holds is valid (lengths, ranges, known city, district and
//     facilities), whichever command set it;
//   - at most MaxImages pictures (http(s) URLs or the platform's own photos,
//     PhotoPath); the cover is one of them or an explicit URL;
//   - it counts the orders placed for it and the ratings of reviewed stays.
type Listing struct {
	ID          uuid.UUID
	LandlordID  uuid.UUID
	Version     int64
	Status      string
	Fields      ListingFields
	Images      []events.ImageState
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	Bookings    int64 // orders paid: bookings that held
	RatingSum   int64 // sum of review ratings
	RatingCount int64 // reviews
}

// ListingFields are the fields a landlord edits.
type ListingFields struct {
	Title       string
	Description string
	City        string
	District    string
	Block       string
	Community   string
	Address     string
	RentType    string
	Bedrooms    int
	LivingRooms int
	Bathrooms   int
	AreaSqm     float64
	Orientation string
	Floor       string
	Price       int64
	Deposit     int64
	MinMonths   int
	Facilities  []string
	Highlights  string
	Traffic     string
	CoverImage  string
	Reference   string // 房源编号: the landlord's own number for it
}

// ListingPatch holds the fields a create or edit sets; nil leaves a field as it is.
type ListingPatch struct {
	Title       *string   `json:"title"`
	Description *string   `json:"description"`
	City        *string   `json:"city"`
	District    *string   `json:"district"`
	Block       *string   `json:"block"`
	Community   *string   `json:"community"`
	Address     *string   `json:"address"`
	RentType    *string   `json:"rent_type"`
	Bedrooms    *int      `json:"bedrooms"`
	LivingRooms *int      `json:"living_rooms"`
	Bathrooms   *int      `json:"bathrooms"`
	AreaSqm     *float64  `json:"area_sqm"`
	Orientation *string   `json:"orientation"`
	Floor       *string   `json:"floor"`
	Price       *int64    `json:"price"`
	Deposit     *int64    `json:"deposit"`
	MinMonths   *int      `json:"min_months"`
	Facilities  *[]string `json:"facilities"`
	Highlights  *string   `json:"highlights"`
	Traffic     *string   `json:"traffic"`
	CoverImage  *string   `json:"cover_image"`
	Reference   *string   `json:"reference"`
}

// Rent types: a whole flat (整租) or a room in a shared one (合租).
const (
	RentWhole  = "whole"
	RentShared = "shared"
)

// Limits a listing's fields must respect.
const (
	MaxImages    = 20
	MaxPrice     = 10_000_000 // CNY per month
	MaxDeposit   = 100_000_000
	MaxAreaSqm   = 10_000
	MaxMinMonth  = 36
	MaxReference = 64 // characters of a reference number (房源编号)
)

// NewListing starts a draft owned by landlord with the fields of patch.
func NewListing(id, landlord uuid.UUID, patch ListingPatch, cat Catalog, now time.Time) (*Listing, events.Type, error) {
	l := &Listing{
		ID: id, LandlordID: landlord, Status: events.StatusDraft,
		Fields:    ListingFields{MinMonths: 1, Facilities: []string{}},
		Images:    []events.ImageState{},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := l.apply(patch, cat); err != nil {
		return nil, "", err
	}
	return l, events.ListingCreated, nil
}

// Edit changes the fields the patch sets. A published listing must stay complete.
func (l *Listing) Edit(patch ListingPatch, cat Catalog, now time.Time) (events.Type, error) {
	if err := l.apply(patch, cat); err != nil {
		return "", err
	}
	if l.Status == events.StatusPublished {
		if err := rental.Invalid(l.Fields.missingForPublish()); err != nil {
			return "", err
		}
	}
	l.UpdatedAt = now
	return events.ListingUpdated, nil
}

// Publish makes the listing visible to tenants.
func (l *Listing) Publish(now time.Time) (events.Type, error) {
	return l.PublishSince(now, now)
}

// PublishSince publishes the listing as of since, an earlier time it was
// first offered elsewhere (an imported listing keeps the old site's publish
// time, so "newest" follows the old site's order). since may not be later
// than now.
func (l *Listing) PublishSince(now, since time.Time) (events.Type, error) {
	if l.Status == events.StatusPublished {
		return "", rental.Errorf(rental.ECONFLICT, "listing is already published")
	}
	if err := rental.Invalid(l.Fields.missingForPublish()); err != nil {
		return "", err
	}
	if since.After(now) {
		return "", rental.InvalidField("published_at", "must not be in the future")
	}
	l.Status, l.PublishedAt, l.UpdatedAt = events.StatusPublished, &since, now
	return events.ListingPublished, nil
}

// Unpublish hides a published listing from tenants; it stays editable.
func (l *Listing) Unpublish(now time.Time) (events.Type, error) {
	if l.Status != events.StatusPublished {
		return "", rental.Errorf(rental.ECONFLICT, "only a published listing can be unpublished (it is %s)", l.Status)
	}
	l.Status, l.UpdatedAt = events.StatusUnpublished, now
	return events.ListingUnpublished, nil
}

// Delete removes the listing for good. The row stays as a tombstone so the
// event log and the read models keep a version to compare against.
func (l *Listing) Delete(now time.Time) (events.Type, error) {
	l.Status, l.UpdatedAt = events.StatusDeleted, now
	return events.ListingDeleted, nil
}

// AddImage appends a picture; the first one becomes the cover when there is none.
func (l *Listing) AddImage(id uuid.UUID, rawURL string, now time.Time) (events.Type, error) {
	if problem := checkURL(rawURL); problem != "" {
		return "", rental.InvalidField("url", problem)
	}
	if len(l.Images) >= MaxImages {
		return "", rental.Errorf(rental.ECONFLICT, "a listing has at most %d images", MaxImages)
	}
	l.Images = append(l.Images, events.ImageState{ID: id, URL: strings.TrimSpace(rawURL)})
	if l.Fields.CoverImage == "" {
		l.Fields.CoverImage = l.Images[0].URL
	}
	l.UpdatedAt = now
	return events.ListingImageAdded, nil
}

// SetCover makes one of the listing's pictures its cover.
func (l *Listing) SetCover(id uuid.UUID, now time.Time) (events.Type, error) {
	i := slices.IndexFunc(l.Images, func(img events.ImageState) bool { return img.ID == id })
	if i < 0 {
		return "", rental.Errorf(rental.ENOTFOUND, "image %s not found on this listing", id)
	}
	l.Fields.CoverImage, l.UpdatedAt = l.Images[i].URL, now
	return events.ListingCoverSet, nil
}

// RemoveImage drops a picture; a cover that was this picture moves to the first remaining one.
func (l *Listing) RemoveImage(id uuid.UUID, now time.Time) (events.Type, error) {
	i := slices.IndexFunc(l.Images, func(img events.ImageState) bool { return img.ID == id })
	if i < 0 {
		return "", rental.Errorf(rental.ENOTFOUND, "image %s not found on this listing", id)
	}
	removed := l.Images[i]
	l.Images = slices.Delete(l.Images, i, i+1)
	if l.Fields.CoverImage == removed.URL {
		l.Fields.CoverImage = ""
		if len(l.Images) > 0 {
			l.Fields.CoverImage = l.Images[0].URL
		}
	}
	l.UpdatedAt = now
	return events.ListingImageRemoved, nil
}

// Book is an order placed for the listing. The booking transaction bumps the
// listing's version with it, which serialises bookings of one listing; it
// does not count yet: an order its tenant cancels or its landlord rejects
// must not make a listing "hot" (CountBooking does, at payment).
func (l *Listing) Book() (events.Type, error) {
	return events.ListingBooked, nil
}

// CountBooking counts a booking that held: its order was paid.
func (l *Listing) CountBooking() (events.Type, error) {
	l.Bookings++
	return events.ListingBookingHeld, nil
}

// Rate adds the rating of a reviewed stay.
func (l *Listing) Rate(rating int) (events.Type, error) {
	l.RatingSum += int64(rating)
	l.RatingCount++
	return events.ListingReviewed, nil
}

// AverageRating is the mean rating rounded to two decimals, 0 without reviews.
func (l *Listing) AverageRating() float64 {
	if l.RatingCount == 0 {
		return 0
	}
	return math.Round(float64(l.RatingSum)*100/float64(l.RatingCount)) / 100
}

// State is the listing as events carry it and the read side shows it.
func (l *Listing) State(cat Catalog) events.ListingState {
	f := l.Fields
	cityName, _ := cat.CityName(f.City)
	districtName, _ := cat.DistrictName(f.City, f.District)
	return events.ListingState{
		ID: l.ID, Version: l.Version, LandlordID: l.LandlordID, Status: l.Status,
		Title: f.Title, Description: f.Description,
		City: f.City, CityName: cityName, District: f.District, DistrictName: districtName,
		Block: f.Block, Community: f.Community, Address: f.Address, RentType: f.RentType,
		Bedrooms: f.Bedrooms, LivingRooms: f.LivingRooms, Bathrooms: f.Bathrooms, AreaSqm: f.AreaSqm,
		Orientation: f.Orientation, Floor: f.Floor, Price: f.Price, Deposit: f.Deposit, MinMonths: f.MinMonths,
		Facilities: slices.Clone(f.Facilities), Highlights: f.Highlights, Traffic: f.Traffic, CoverImage: f.CoverImage,
		Images: slices.Clone(l.Images), Reference: f.Reference,
		Bookings: l.Bookings, Rating: l.AverageRating(), Reviews: l.RatingCount,
		CreatedAt: l.CreatedAt.UTC(), UpdatedAt: l.UpdatedAt.UTC(), PublishedAt: utcPtr(l.PublishedAt),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// apply validates every field the patch sets, then sets them all or none.
func (l *Listing) apply(p ListingPatch, cat Catalog) error {
	f := l.Fields
	bad := map[string]string{}
	set := func(rule func(string, int, int) string) func(string, *string, *string, int, int) {
		return func(name string, v *string, dst *string, min, max int) {
			if v == nil {
				return
			}
			s := strings.TrimSpace(*v)
			if problem := rule(s, min, max); problem != "" {
				bad[name] = problem
			}
			*dst = s
		}
	}
	line, text := set(lineProblem), set(textProblem)
	number := func(name string, v *int, dst *int, min, max int) {
		if v == nil {
			return
		}
		if *v < min || *v > max {
			bad[name] = "must be between " + strconv.Itoa(min) + " and " + strconv.Itoa(max)
		}
		*dst = *v
	}
	line("title", p.Title, &f.Title, 1, 100)
	text("description", p.Description, &f.Description, 0, 5000)
	line("block", p.Block, &f.Block, 0, 64)
	line("community", p.Community, &f.Community, 0, 64)
	line("address", p.Address, &f.Address, 0, 200)
	line("orientation", p.Orientation, &f.Orientation, 0, 16)
	line("floor", p.Floor, &f.Floor, 0, 32)
	text("highlights", p.Highlights, &f.Highlights, 0, 500)
	text("traffic", p.Traffic, &f.Traffic, 0, 500)
	line("reference", p.Reference, &f.Reference, 0, MaxReference)
	number("bedrooms", p.Bedrooms, &f.Bedrooms, 0, 20)
	number("living_rooms", p.LivingRooms, &f.LivingRooms, 0, 10)
	number("bathrooms", p.Bathrooms, &f.Bathrooms, 0, 10)
	number("min_months", p.MinMonths, &f.MinMonths, 1, MaxMinMonth)
	if p.City != nil {
		f.City = strings.TrimSpace(*p.City)
		if _, ok := cat.CityName(f.City); !ok {
			bad["city"] = "unknown city (see GET /api/v1/areas)"
		}
	}
	if p.District != nil {
		f.District = strings.TrimSpace(*p.District)
	}
	if _, ok := cat.DistrictName(f.City, f.District); !ok && f.District != "" && bad["city"] == "" {
		if p.District == nil {
			f.District = "" // a move to another city drops the old city's district
		} else {
			bad["district"] = "unknown district of city " + f.City
		}
	}
	if p.RentType != nil {
		f.RentType = strings.TrimSpace(*p.RentType)
		if f.RentType != RentWhole && f.RentType != RentShared {
			bad["rent_type"] = "must be whole or shared"
		}
	}
	if p.AreaSqm != nil {
		f.AreaSqm = math.Round(*p.AreaSqm*100) / 100 // MySQL keeps two decimals
		if f.AreaSqm <= 0 || f.AreaSqm > MaxAreaSqm {
			bad["area_sqm"] = "must be > 0 and at most " + strconv.Itoa(MaxAreaSqm)
		}
	}
	if p.Price != nil {
		f.Price = *p.Price
		if f.Price <= 0 || f.Price > MaxPrice {
			bad["price"] = "must be > 0 and at most " + strconv.Itoa(MaxPrice)
		}
	}
	if p.Deposit != nil {
		f.Deposit = *p.Deposit
		if f.Deposit < 0 || f.Deposit > MaxDeposit {
			bad["deposit"] = "must be between 0 and " + strconv.Itoa(MaxDeposit)
		}
	}
	if p.Facilities != nil {
		codes, problem := normalizeFacilities(*p.Facilities, cat)
		if problem != "" {
			bad["facilities"] = problem
		}
		f.Facilities = codes
	}
	if p.CoverImage != nil {
		f.CoverImage = strings.TrimSpace(*p.CoverImage)
		if f.CoverImage != "" {
			if problem := checkURL(f.CoverImage); problem != "" {
				bad["cover_image"] = problem
			}
		}
	}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	l.Fields = f
	return nil
}

// missingForPublish names the fields a published listing must have.
func (f ListingFields) missingForPublish() map[string]string {
	missing := map[string]string{}
	const need = "is required to publish"
	if f.Title == "" {
		missing["title"] = need
	}
	if f.Price <= 0 {
		missing["price"] = need
	}
	if f.City == "" {
		missing["city"] = need
	}
	if f.District == "" {
		missing["district"] = need
	}
	if f.RentType == "" {
		missing["rent_type"] = need
	}
	if f.AreaSqm <= 0 {
		missing["area_sqm"] = need
	}
	return missing
}

// normalizeFacilities checks every code and returns them once each, in dictionary order.
func normalizeFacilities(in []string, cat Catalog) ([]string, string) {
	out := make([]string, 0, len(in))
	for _, code := range in {
		code = strings.TrimSpace(code)
		if _, ok := cat.FacilityOrder(code); !ok {
			return nil, "unknown facility " + strconv.Quote(code) + " (see GET /api/v1/facilities)"
		}
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		x, _ := cat.FacilityOrder(a)
		y, _ := cat.FacilityOrder(b)
		return x - y
	})
	return out, ""
}

// PhotoPath is where the platform serves the photos it stores itself
// (infra/photos): such a picture is named by a path on the platform's own
// origin, /photos/ and the SHA-256 of its bytes in hex, instead of a URL.
const PhotoPath = "/photos/"

func checkURL(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "must not be empty"
	}
	if problem := lineProblem(raw, 1, len(raw)); problem != "" {
		return problem
	}
	if hash, ok := strings.CutPrefix(raw, PhotoPath); ok {
		if len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
			return "must be an http or https URL, or " + PhotoPath + " and a photo's hash"
		}
		return ""
	}
	if len(raw) > 1024 {
		return "must be at most 1024 characters"
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an http or https URL"
	}
	return ""
}
