package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// AddFavorite puts a listing the user can see on their favorites; RemoveFavorite
// takes it off. Both are idempotent: repeating one changes nothing.
type AddFavorite struct {
	Meta
	ListingID uuid.UUID
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
		return f.Add(l, h.Now())
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
