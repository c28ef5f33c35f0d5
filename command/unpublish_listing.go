package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// UnpublishListing hides a published listing from tenants; its landlord can edit
// and publish it again.
type UnpublishListing struct {
	Meta
	ListingID uuid.UUID
}

type UnpublishListingHandler struct {
	Store ListingStore
	Now   Clock
}

func (h UnpublishListingHandler) Handle(ctx context.Context, cmd UnpublishListing) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.Unpublish(h.Now())
	})
}
