package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// PublishListing makes a draft or unpublished listing visible to tenants. Only its
// landlord may publish it, and only when it is complete (title, price, city,
// district, rent type and area).
type PublishListing struct {
	Meta
	ListingID uuid.UUID
	// Since, if set, is when the listing was first published elsewhere:
	// rentalctl import sets the old site's publish time. The API never does.
	Since time.Time
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
		now := h.Now()
		if cmd.Since.IsZero() {
			return l.Publish(now)
		}
		return l.PublishSince(now, cmd.Since.UTC().Truncate(time.Microsecond)) // as MySQL keeps it
	})
}
