package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// AddFavorite puts a listing the user can see on their favorites; RemoveFavorite
// takes it off. Both are idempotent: repeating one changes nothing.
type AddFavorite struct {
	Meta
	ListingID uuid.UUID
	// Since, if set and not in the future, is when it became a favorite:
	// rentalctl import spaces the old site's favorites in their order (it
	// kept no times). The API never sets it.
	Since time.Time
}

type RemoveFavorite struct {
	Meta
	ListingID uuid.UUID
}

type AddFavoriteHandler struct {
	Store FavoriteStore
	Now   Clock
}

func (h AddFavoriteHandler) Handle(ctx context.Context, cmd AddFavorite) (Result, error) {
	if cmd.Actor.UserID == uuid.Nil {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	return h.Store.Update(ctx, cmd.Meta, cmd.Actor.UserID, cmd.ListingID, func(f *Favorite, l *Listing) (events.Type, error) {
		at := h.Now()
		if !cmd.Since.IsZero() && cmd.Since.Before(at) {
			at = cmd.Since.UTC().Truncate(time.Microsecond) // as MySQL keeps it
		}
		return f.Add(l, at)
	})
}

type RemoveFavoriteHandler struct{ Store FavoriteStore }

func (h RemoveFavoriteHandler) Handle(ctx context.Context, cmd RemoveFavorite) (Result, error) {
	if cmd.Actor.UserID == uuid.Nil {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	return h.Store.Update(ctx, cmd.Meta, cmd.Actor.UserID, cmd.ListingID, func(f *Favorite, _ *Listing) (events.Type, error) {
		return f.Remove()
	})
}
