package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// ImportHistory brings a user's viewing history over from the site this
// platform replaces (rentalctl import). Listings are most recent first; they
// go after every view recorded here (History.Import). Views are not counted:
// the old site counted them in its page views, which ImportViews brings over,
// so replaying them as RecordViews would count them twice. Only an operator
// may import.
type ImportHistory struct {
	Meta
	UserID   uuid.UUID
	Listings []uuid.UUID
}

type ImportHistoryHandler struct {
	Store ViewStore
	Now   Clock
}

func (h ImportHistoryHandler) Handle(ctx context.Context, cmd ImportHistory) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
		return Result{}, err
	}
	if cmd.UserID == uuid.Nil {
		return Result{}, rental.InvalidField("user_id", "is required")
	}
	if len(cmd.Listings) > MaxViewBatch {
		return Result{}, rental.InvalidField("listings", "at most 1000")
	}
	return h.Store.UpdateHistory(ctx, cmd.Meta, cmd.UserID, func(hist *History) error {
		hist.Import(cmd.Listings, h.Now())
		return nil
	})
}

// ImportViews adds the page views the old site counted for a listing to its
// view counter (rentalctl import, once per listing). Only an operator may import.
type ImportViews struct {
	Meta
	ListingID uuid.UUID
	Views     int64
}

type ImportViewsHandler struct{ Store ViewStore }

func (h ImportViewsHandler) Handle(ctx context.Context, cmd ImportViews) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
		return Result{}, err
	}
	if cmd.Views <= 0 {
		return Result{}, rental.InvalidField("views", "must be > 0")
	}
	return h.Store.UpdateCounter(ctx, cmd.Meta, cmd.ListingID, func(c *ViewCounter) error {
		c.Import(cmd.Views)
		return nil
	})
}
