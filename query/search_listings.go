package query

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// SearchListings pages through published listings matching a filter, from the
// search indexes (sorted sets per city and district); MySQL answers when the
// indexes are not built or Redis cannot be reached.
type SearchListings struct {
	Filter ListingFilter
}

// Page sizes of every paged query.
const (
	DefaultPageSize = 20
	MaxPageSize     = 50
)

type SearchListingsHandler struct {
	RM      ReadModels
	DB      Source
	Repair  Repairer
	Catalog *rental.Catalog
}

func (h SearchListingsHandler) Handle(ctx context.Context, q SearchListings) (Body, error) {
	f, err := h.normalize(q.Filter)
	if err != nil {
		return Body{}, err
	}
	ids, total, err := h.RM.SearchListings(ctx, f)
	if err == nil {
		items, err := listingItems(ctx, h.RM, h.DB, h.Repair, ids, func(d Doc) bool { return d.Status == events.StatusPublished })
		if err == nil {
			return Body{JSON: pageJSON(items, total, f.Page, f.PageSize), Source: FromRedis}, nil
		}
	}
	states, total, err := h.DB.SearchListings(ctx, f)
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
	case "":
		f.Sort = SortNewest
	case SortNewest, SortPriceAsc, SortPriceDesc:
	default:
		bad["sort"] = "must be new, price_asc or price_desc"
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

// listingItems returns the documents of ids in order from the read models.
// A document that is missing, or that fails keep (the index and the document
// disagree for a moment), is read from MySQL and repaired.
func listingItems(ctx context.Context, rm ReadModels, db Source, repair Repairer, ids []uuid.UUID, keep func(Doc) bool) ([][]byte, error) {
	docs, err := rm.Listings(ctx, ids)
	if err != nil {
		return nil, err
	}
	items := make([][]byte, 0, len(ids))
	var missing []uuid.UUID
	for i, d := range docs {
		if !d.Found() {
			missing = append(missing, ids[i])
		}
	}
	var fromDB map[uuid.UUID][]byte
	if len(missing) > 0 {
		states, err := db.Listings(ctx, missing)
		if err != nil {
			return nil, err
		}
		fromDB = make(map[uuid.UUID][]byte, len(states))
		for _, st := range states {
			repair.RepairListing(st)
			if b, err := json.Marshal(st); err == nil {
				fromDB[st.ID] = b
			}
		}
	}
	for i, d := range docs {
		switch {
		case d.Found() && keep(d):
			items = append(items, d.JSON)
		case !d.Found() && fromDB[ids[i]] != nil:
			items = append(items, fromDB[ids[i]])
		}
	}
	return items, nil
}

func encodeListings(states []events.ListingState) ([][]byte, error) {
	items := make([][]byte, len(states))
	for i, st := range states {
		b, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("encoding listing %s: %w", st.ID, err)
		}
		items[i] = b
	}
	return items, nil
}
