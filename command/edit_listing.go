package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// EditListing changes the fields the patch sets. Only the listing's landlord
// may edit it; a published listing must stay complete.
type EditListing struct {
	Meta
	ListingID uuid.UUID
	Fields    ListingPatch
}

type EditListingHandler struct {
	Store   ListingStore
	Catalog Catalog
	Now     Clock
}

func (h EditListingHandler) Handle(ctx context.Context, cmd EditListing) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.ListingID, func(l *Listing) (events.Type, error) {
		if err := mustOwn(l, cmd.Actor); err != nil {
			return "", err
		}
		return l.Edit(cmd.Fields, h.Catalog, h.Now())
	})
}

// mustOwn is the one ownership check every listing command makes.
func mustOwn(l *Listing, a rental.Actor) error {
	if a.Anonymous() {
		return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	if l.LandlordID != a.UserID {
		return rental.Errorf(rental.EFORBIDDEN, "only the listing's landlord may change it")
	}
	return nil
}
