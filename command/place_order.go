package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// PlaceOrder asks to rent a listing for a stay. Only a tenant may place an
// order, never for their own listing; the listing must be published; the
// stay must start today or later, respect the listing's min_months, and not
// overlap an order that holds its dates (ECONFLICT). The amount is computed
// here (Amount).
type PlaceOrder struct {
	Meta
	ListingID uuid.UUID
	StartDate string // YYYY-MM-DD
	EndDate   string // YYYY-MM-DD, exclusive
}

type PlaceOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h PlaceOrderHandler) Handle(ctx context.Context, cmd PlaceOrder) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleTenant); err != nil {
		return Result{}, err
	}
	if cmd.ListingID == uuid.Nil {
		return Result{}, rental.InvalidField("listing_id", "is required")
	}
	now := h.Now()
	stay, err := StayRequest(cmd.StartDate, cmd.EndDate, now)
	if err != nil {
		return Result{}, err
	}
	id := rental.NewID()
	return h.Store.Book(ctx, cmd.Meta, cmd.ListingID, stay, func(l *Listing, free bool) (*Order, events.Type, events.Type, error) {
		o, placed, err := NewOrder(id, l, cmd.Actor, stay, free, now)
		if err != nil {
			return nil, "", "", err
		}
		booked, err := l.Book()
		if err != nil {
			return nil, "", "", err
		}
		return o, placed, booked, nil
	})
}
