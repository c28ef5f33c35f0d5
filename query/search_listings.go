package query

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// SearchListings pages through published listings matching a filter, from the
// search index (bitmaps of the read models); MySQL answers when the
// indexes are not built or Redis cannot be reached. Besides city, district,
// price, bedrooms and rent type, a filter may ask for facilities (all of
// them), a keyword (in the title, district, block, community or traffic) and
// dates (free for the whole stay), sorted by newest, price, bookings or views.
type SearchListings struct {
	Filter ListingFilter
}

// CacheKey and DependsOn make a search a Shared query: every caller gets
// the same answer, which depends on the listings and, with dates, on the
// orders, and sorted by views, on the view counts. The key is the filter
// normalised, so searches that mean the same share one answer.
func (q SearchListings) CacheKey() string {
	f := q.Filter.Normalized()
	beds := "-"
	if f.Bedrooms != nil {
		beds = strconv.Itoa(*f.Bedrooms)
	}
	return strings.Join([]string{"search", f.City, f.District, strconv.FormatInt(f.PriceMin, 10), strconv.FormatInt(f.PriceMax, 10),
		beds, f.RentType, strings.Join(f.Facilities, ","), f.Keyword, day(f.From), day(f.To), f.Sort,
		strconv.Itoa(f.Page), strconv.Itoa(f.PageSize)}, "|")
}

func (q SearchListings) DependsOn() []string {
	deps := []string{DependsListings}
	if q.Filter.Dated() {
		deps = append(deps, DependsOrders)
	}
	if q.Filter.Sort == SortViews {
		deps = append(deps, DependsViews)
	}
	return deps
}

// AffectedBy makes a search a Narrow query: a listing change can alter the
// answer only if the listing could match the filter before or after it (a
// page holds the matches in order, and the total counts them); an order only
// a dated search whose window overlaps the stay it took or gave back.
func (q SearchListings) AffectedBy(c Change) bool {
	f := q.Filter.Normalized()
	switch {
	case c.Listing != nil:
		return c.Listing.Unknown || f.Could(c.Listing.Before) || f.Could(c.Listing.After)
	case c.Stay != nil:
		return f.Dated() && (c.Stay.Unknown || f.Overlaps(c.Stay.Before) || f.Overlaps(c.Stay.After))
	}
	return true
}

// Normalized is the filter with its defaults filled in and the spellings
// that mean the same made one: the sort, page and page size a search gets
// when it names none, the keyword trimmed and lower-cased, the facilities
// sorted once each. It does not validate (the handler does).
func (f ListingFilter) Normalized() ListingFilter {
	if f.Sort == "" {
		f.Sort = SortNewest
	}
	if f.Page == 0 {
		f.Page = 1
	}
	if f.PageSize == 0 {
		f.PageSize = DefaultPageSize
	}
	f.Keyword = strings.ToLower(strings.TrimSpace(f.Keyword))
	if len(f.Facilities) > 0 {
		f.Facilities = slices.Compact(slices.Sorted(slices.Values(f.Facilities)))
	}
	return f
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(events.DateLayout)
}

// Page sizes of every paged query.
const (
	DefaultPageSize = 20
	MaxPageSize     = 50
)

// MaxKeyword is the longest keyword a search takes.
const MaxKeyword = 50

type SearchListingsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
	Catalog  *rental.Catalog
}

func (h SearchListingsHandler) Handle(ctx context.Context, q SearchListings) (Body, error) {
	f, err := h.normalize(q.Filter)
	if err != nil {
		return Body{}, err
	}
	ids, total, err := h.RM.SearchListings(ctx, f)
	if err == nil {
		items, err := listingItems(ctx, h.RM, h.Fallback, h.Repair, ids, published)
		if err == nil {
			return Body{JSON: pageJSON(items, total, f.Page, f.PageSize), Source: FromRedis}, nil
		}
	}
	states, total, err := h.Fallback.SearchListings(ctx, f)
	if err != nil {
		return Body{}, err
	}
	items, err := encodeListings(states)
	if err != nil {
		return Body{}, err
	}
	return Body{JSON: pageJSON(items, total, f.Page, f.PageSize), Source: FromMySQL}, nil
}

// normalize checks a filter and fills its defaults.
func (h SearchListingsHandler) normalize(f ListingFilter) (ListingFilter, error) {
	f = f.Normalized()
	bad := map[string]string{}
	if f.City != "" {
		if _, ok := h.Catalog.CityName(f.City); !ok {
			bad["city"] = "unknown city (see GET /api/v1/areas)"
		}
	}
	if f.District != "" {
		if f.City == "" {
			bad["city"] = "is required with district"
		} else if _, ok := h.Catalog.DistrictName(f.City, f.District); !ok && bad["city"] == "" {
			bad["district"] = "unknown district of city " + f.City
		}
	}
	if f.PriceMin < 0 {
		bad["price_min"] = "must be >= 0"
	}
	if f.PriceMax < 0 {
		bad["price_max"] = "must be >= 0"
	}
	if f.PriceMax > 0 && f.PriceMin > f.PriceMax {
		bad["price_max"] = "must be >= price_min"
	}
	if f.Bedrooms != nil && (*f.Bedrooms < 0 || *f.Bedrooms > 20) {
		bad["bedrooms"] = "must be between 0 and 20"
	}
	if f.RentType != "" && f.RentType != "whole" && f.RentType != "shared" {
		bad["rent_type"] = "must be whole or shared"
	}
	switch f.Sort {
	case SortNewest, SortPriceAsc, SortPriceDesc, SortBookings, SortViews:
	default:
		bad["sort"] = "must be new, price_asc, price_desc, bookings or views"
	}
	for _, code := range f.Facilities {
		if _, ok := h.Catalog.FacilityOrder(code); !ok {
			bad["facilities"] = "unknown facility " + strconv.Quote(code) + " (see GET /api/v1/facilities)"
		}
	}
	if utf8.RuneCountInString(f.Keyword) > MaxKeyword || strings.ContainsAny(f.Keyword, "\n\r\t") || !utf8.ValidString(f.Keyword) {
		bad["keyword"] = "must be one line of at most " + strconv.Itoa(MaxKeyword) + " characters (UTF-8)"
	}
	switch {
	case f.From.IsZero() != f.To.IsZero():
		if f.From.IsZero() {
			bad["start_date"] = "is required with end_date"
		} else {
			bad["end_date"] = "is required with start_date"
		}
	case !f.To.After(f.From) && !f.From.IsZero():
		bad["end_date"] = "must be after start_date (the end date is exclusive)"
	case f.To.Sub(f.From) > events.MaxStayDays*24*time.Hour:
		bad["end_date"] = "must be at most " + strconv.Itoa(events.MaxStayDays) + " days after start_date"
	}
	page, size, pageBad := normalizePage(f.Page, f.PageSize)
	for k, v := range pageBad {
		bad[k] = v
	}
	f.Page, f.PageSize = page, size
	return f, rental.Invalid(bad)
}

// normalizePage applies the paging rules every paged query shares.
func normalizePage(page, size int) (int, int, map[string]string) {
	bad := map[string]string{}
	if page == 0 {
		page = 1
	}
	if page < 1 || page > 10000 {
		bad["page"] = "must be between 1 and 10000"
	}
	if size == 0 {
		size = DefaultPageSize
	}
	if size < 1 || size > MaxPageSize {
		bad["page_size"] = "must be between 1 and " + strconv.Itoa(MaxPageSize)
	}
	return page, size, bad
}
