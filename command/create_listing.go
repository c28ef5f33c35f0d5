package command

import (
	"context"

	"github.com/zufang/rental"
)

// CreateListing starts a draft listing owned by the acting landlord. A draft
// may be incomplete; every field it sets must be valid.
type CreateListing struct {
	Meta
	Fields ListingPatch
}

type CreateListingHandler struct {
	Store   ListingStore
	Catalog Catalog
	Now     Clock
}

func (h CreateListingHandler) Handle(ctx context.Context, cmd CreateListing) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleLandlord); err != nil {
		return Result{}, err
	}
	l, ev, err := NewListing(rental.NewID(), cmd.Actor.UserID, cmd.Fields, h.Catalog, h.Now())
	if err != nil {
		return Result{}, err
	}
	return h.Store.Create(ctx, cmd.Meta, l, ev)
}
