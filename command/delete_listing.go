package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// DeleteListing removes a listing for good. Only its landlord may delete it.
type DeleteListing struct {
	Meta
	ListingID uuid.UUID
}

type DeleteListingHandler struct {
	Store ListingStore
	Now   Clock
}

func (h DeleteListingHandler) Handle(ctx context.Context, cmd DeleteListing) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.Delete(h.Now())
	})
}
