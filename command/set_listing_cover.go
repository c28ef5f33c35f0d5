package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// SetListingCover makes one of a listing's images its cover (the picture on
// cards and at the top of the detail). Only its landlord may choose it.
type SetListingCover struct {
	Meta
	ListingID uuid.UUID
	ImageID   uuid.UUID
}

type SetListingCoverHandler struct {
	Store ListingStore
	Now   Clock
}

func (h SetListingCoverHandler) Handle(ctx context.Context, cmd SetListingCover) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.SetCover(cmd.ImageID, h.Now())
	})
}
