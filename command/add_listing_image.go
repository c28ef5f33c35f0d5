package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// AddListingImage appends a picture (by URL) to a listing. The result's Ref is
// the new image's id, used to remove it later. The image takes the command's
// id, so a retried command names the same image.
type AddListingImage struct {
	Meta
	ListingID uuid.UUID
	URL       string
}

type AddListingImageHandler struct {
	Store ListingStore
	Now   Clock
}

func (h AddListingImageHandler) Handle(ctx context.Context, cmd AddListingImage) (Result, error) {
	imageID := cmd.CommandID
	if imageID == uuid.Nil {
		imageID = rental.NewID()
	}
	res, err := h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.AddImage(imageID, cmd.URL, h.Now())
	})
	if err != nil {
		return Result{}, err
	}
	res.Ref = imageID
	return res, nil
}
