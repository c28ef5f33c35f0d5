package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// ReviewOrder completes a stay with the tenant's rating (1-5) and comment;
// the rating joins the listing's average. Only the order's tenant may review,
// once, after the stay is over.
type ReviewOrder struct {
	Meta
	OrderID uuid.UUID
	Rating  int
	Content string
}

type ReviewOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h ReviewOrderHandler) Handle(ctx context.Context, cmd ReviewOrder) (Result, error) {
	// Bad input is a 400 whoever asks and whatever the order's state.
	if err := CheckReview(cmd.Rating, cmd.Content); err != nil {
		return Result{}, err
	}
	return h.Store.UpdateWithListing(ctx, cmd.Meta, cmd.OrderID, func(o *Order, l *Listing) (events.Type, events.Type, error) {
		if err := o.mustBe(cmd.Actor, Tenant); err != nil {
			return "", "", err
		}
		ev, err := o.Review(cmd.Rating, cmd.Content, h.Now())
		if err != nil {
			return "", "", err
		}
		if l == nil || l.Status == events.StatusDeleted {
			return ev, "", nil // the order completes; a deleted listing keeps no rating
		}
		lev, err := l.Rate(cmd.Rating)
		return ev, lev, err
	})
}
