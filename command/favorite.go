package command

import (
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// Favorite is one (user, listing) pair. Its rules:
//   - a user may favorite a listing they can see (published, or their own);
//   - adding a favorite that is one, or removing one that is not, changes
//     nothing (PUT and DELETE are idempotent) and emits no event;
//   - removing works whatever became of the listing.
//
// The pair is its own aggregate with its own version, so a late "added" event
// can never undo a newer "removed" in the read models.
type Favorite struct {
	ID        uuid.UUID
	Version   int64
	UserID    uuid.UUID
	ListingID uuid.UUID
	Active    bool
	At        time.Time
}

// NewFavorite is a pair that was never a favorite.
func NewFavorite(user, listing uuid.UUID) *Favorite {
	return &Favorite{ID: events.FavoriteID(user, listing), UserID: user, ListingID: listing}
}

// Add makes the listing a favorite of the user.
func (f *Favorite) Add(l *Listing, now time.Time) (events.Type, error) {
	if l == nil || l.Status == events.StatusDeleted ||
		(l.Status != events.StatusPublished && l.LandlordID != f.UserID) {
		return "", rental.Errorf(rental.ENOTFOUND, "listing %s not found", f.ListingID)
	}
	if f.Active {
		return "", nil
	}
	f.Active, f.At = true, now
	return events.FavoriteAdded, nil
}

// Remove takes the listing off the user's favorites.
func (f *Favorite) Remove() (events.Type, error) {
	if !f.Active {
		return "", nil
	}
	f.Active = false
	return events.FavoriteRemoved, nil
}

// State is the pair as events carry it.
func (f *Favorite) State() events.FavoriteState {
	return events.FavoriteState{ID: f.ID, Version: f.Version, UserID: f.UserID, ListingID: f.ListingID,
		Active: f.Active, At: f.At.UTC()}
}
