package photos

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// Attacher turns an uploaded photo into a listing image: it stores the photo,
// then adds its URL through the listing's own AddListingImage command, so the
// owner rule, the limit of command.MaxImages, the version, the events and the
// read models are those of any other image. The JSON API and the landlord's
// pages both upload through it.
type Attacher struct {
	Store    Store
	AddImage rental.Handler[command.AddListingImage, command.Result]
}

// Attach stores data and adds it to the listing. The photo is stored first: a
// refused command leaves a stored photo nothing refers to (harmless, and the
// same bytes uploaded again reuse it), never a listing image without its photo.
func (a Attacher) Attach(ctx context.Context, meta command.Meta, listing uuid.UUID, data []byte) (command.Result, Photo, error) {
	// Only a landlord can own a listing: nobody else's bytes are worth storing.
	if meta.Actor.Anonymous() {
		return command.Result{}, Photo{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	if !meta.Actor.Has(rental.RoleLandlord) {
		return command.Result{}, Photo{}, rental.Errorf(rental.EFORBIDDEN, "only the listing's landlord may change it")
	}
	p, err := a.Store.Put(ctx, data)
	if err != nil {
		return command.Result{}, Photo{}, err
	}
	res, err := a.AddImage.Handle(ctx, command.AddListingImage{Meta: meta, ListingID: listing, URL: p.URL()})
	if err != nil {
		return command.Result{}, Photo{}, err
	}
	return res, p, nil
}
