package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// DeleteListing removes a listing for good. Only its landlord may delete it,
// and not while an order holds it (wait_accept, wait_payment, paid,
// wait_comment): the tenant could otherwise pay for, stay in or review a
// listing that no longer exists. The landlord rejects what waits for
// acceptance, or unpublishes the listing, which hides it and lets every
// order on it run its course.
type DeleteListing struct {
	Meta
	ListingID uuid.UUID
}

type DeleteListingHandler struct {
	Store ListingStore
	Now   Clock
}

func (h DeleteListingHandler) Handle(ctx context.Context, cmd DeleteListing) (Result, error) {
	return h.Store.UpdateHeld(ctx, cmd.Meta, cmd.ListingID, func(l *Listing, held int) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		if held > 0 {
			return "", rental.Errorf(rental.ECONFLICT,
				"%d order(s) hold this listing; reject or let them end first, or unpublish it instead", held)
		}
		return l.Delete(h.Now())
	})
}
