package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// PayOrder records the tenant's payment of an accepted order. Only the
// order's tenant may pay, and only once it was accepted. The booking held:
// it counts on the listing (its bookings, the "hot" ranking).
type PayOrder struct {
	Meta
	OrderID uuid.UUID
}

type PayOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h PayOrderHandler) Handle(ctx context.Context, cmd PayOrder) (Result, error) {
	return h.Store.UpdateWithListing(ctx, cmd.Meta, cmd.OrderID, func(o *Order, l *Listing) (events.Type, events.Type, error) {
		if err := o.mustBe(cmd.Actor, Tenant); err != nil {
			return "", "", err
		}
		ev, err := o.Pay(h.Now())
		if err != nil || l == nil || l.Status == events.StatusDeleted {
			return ev, "", err
		}
		lev, err := l.CountBooking()
		return ev, lev, err
	})
}
