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

// mustOwn is the one check every command on a listing makes: the actor is
// its landlord and holds the landlord role (a landlord who gave the role up
// manages nothing until taking it back). Someone else's draft or
// unpublished listing does not exist for them (ENOTFOUND, as reading it
// answers), so changing it cannot reveal that it exists; a published one
// they can see is EFORBIDDEN.
func mustOwn(l *Listing, a rental.Actor) error {
	if a.Anonymous() {
		return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	if l.LandlordID != a.UserID {
		if l.Status != events.StatusPublished {
			return rental.Errorf(rental.ENOTFOUND, "listing %s not found", l.ID)
		}
		return rental.Errorf(rental.EFORBIDDEN, "only the listing's landlord may change it")
	}
	return requireRole(a, rental.RoleLandlord)
}
