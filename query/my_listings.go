package query

import (
	"context"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// MyListings pages through the acting landlord's own listings, newest first,
// in every status but deleted, or in one status. The read model indexes a
// landlord's listings in one list, so a status filter reads MySQL (a
// landlord's own few listings, by an index). Fresh reads MySQL's writer: the
// landlord just changed one (read-your-writes) and the read model may lag.
type MyListings struct {
	Actor    rental.Actor
	Status   string // "" = every status but deleted; draft | published | unpublished
	Page     int
	PageSize int
	Fresh    bool
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
	switch q.Status {
	case "", events.StatusDraft, events.StatusPublished, events.StatusUnpublished:
	default:
		bad["status"] = "must be draft, published or unpublished"
	}
	if err := rental.Invalid(bad); err != nil {
		return Body{}, err
	}
	offset := (page - 1) * size
	if q.Status == "" && !q.Fresh {
		ids, total, err := h.RM.LandlordListings(ctx, q.Actor.UserID, offset, size)
		if err == nil {
			items, err := listingItems(ctx, h.RM, h.Fallback, h.Repair, ids, func(d Doc) bool { return d.Status != events.StatusDeleted })
			if err == nil {
				return Body{JSON: pageJSON(items, total, page, size), Source: FromRedis}, nil
			}
		}
	}
	states, total, err := h.Fallback.LandlordListings(ctx, q.Actor.UserID, q.Status, offset, size, q.Fresh)
	if err != nil {
		return Body{}, err
	}
	items, err := encodeListings(states)
	if err != nil {
		return Body{}, err
	}
	source := FromMySQL
	if q.Fresh {
		source = FromWriter
	}
	return Body{JSON: pageJSON(items, total, page, size), Source: source}, nil
}
