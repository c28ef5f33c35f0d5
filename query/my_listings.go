package query

import (
	"context"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// MyListings pages through the acting landlord's own listings, newest first,
// in every status but deleted.
type MyListings struct {
	Actor    rental.Actor
	Page     int
	PageSize int
}

type MyListingsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h MyListingsHandler) Handle(ctx context.Context, q MyListings) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	page, size, bad := normalizePage(q.Page, q.PageSize)
	if err := rental.Invalid(bad); err != nil {
		return Body{}, err
	}
	offset := (page - 1) * size
	ids, total, err := h.RM.LandlordListings(ctx, q.Actor.UserID, offset, size)
	if err == nil {
		items, err := listingItems(ctx, h.RM, h.Fallback, h.Repair, ids, func(d Doc) bool { return d.Status != events.StatusDeleted })
		if err == nil {
			return Body{JSON: pageJSON(items, total, page, size), Source: FromRedis}, nil
		}
	}
	states, total, err := h.Fallback.LandlordListings(ctx, q.Actor.UserID, offset, size)
	if err != nil {
		return Body{}, err
	}
	items, err := encodeListings(states)
	if err != nil {
		return Body{}, err
	}
	return Body{JSON: pageJSON(items, total, page, size), Source: FromMySQL}, nil
}
