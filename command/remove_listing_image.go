package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// RemoveListingImage drops one picture from a listing.
type RemoveListingImage struct {
	Meta
	ListingID uuid.UUID
	ImageID   uuid.UUID
}

type RemoveListingImageHandler struct {
	Store ListingStore
	Now   Clock
}

func (h RemoveListingImageHandler) Handle(ctx context.Context, cmd RemoveListingImage) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.RemoveImage(cmd.ImageID, h.Now())
	})
}
