package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// PublishListing makes a draft or unpublished listing visible to tenants. Only its
// landlord may publish it, and only when it is complete (title, price, city,
// district, rent type and area).
type PublishListing struct {
	Meta
	ListingID uuid.UUID
}

type PublishListingHandler struct {
	Store ListingStore
	Now   Clock
}

func (h PublishListingHandler) Handle(ctx context.Context, cmd PublishListing) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.Publish(h.Now())
	})
}
