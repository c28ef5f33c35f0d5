package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// MyFavorites pages through the listings the acting user favorited, most
// recently favorited first. total counts every favorite; a listing that has
// since become invisible to the user (unpublished, deleted) is left out of
// the page. Fresh reads the list from MySQL's writer: the user just changed
// it (read-your-writes) and the read model may not have caught up.
type MyFavorites struct {
	Actor    rental.Actor
	Page     int
	PageSize int
	Fresh    bool
}

type MyFavoritesHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h MyFavoritesHandler) Handle(ctx context.Context, q MyFavorites) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	page, size, bad := normalizePage(q.Page, q.PageSize)
	if err := rental.Invalid(bad); err != nil {
		return Body{}, err
	}
	offset := (page - 1) * size
	keep := func(d Doc) bool { return visible(d.Status, d.Owner, q.Actor) }
	source := FromRedis
	ids, total, err := []uuid.UUID(nil), 0, ErrMiss
	if !q.Fresh {
		ids, total, err = h.RM.Favorites(ctx, q.Actor.UserID, offset, size)
	}
	if err != nil {
		source = FromMySQL
		if q.Fresh {
			source = FromWriter
		}
		if ids, total, err = h.Fallback.Favorites(ctx, q.Actor.UserID, offset, size, q.Fresh); err != nil {
			return Body{}, err
		}
	}
	items, err := listingItems(ctx, h.RM, h.Fallback, h.Repair, ids, keep)
	if err != nil {
		return Body{}, err
	}
	return Body{JSON: pageJSON(items, total, page, size), Source: source}, nil
}
