package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// RejectOrder is the landlord declining a stay, with a reason the tenant sees.
// Only the order's landlord may reject, and only while it waits for
// acceptance; the dates are free again.
type RejectOrder struct {
	Meta
	OrderID uuid.UUID
	Reason  string
}

type RejectOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h RejectOrderHandler) Handle(ctx context.Context, cmd RejectOrder) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.OrderID, func(o *Order) (events.Type, error) {
		if err := o.mustBe(cmd.Actor, Landlord); err != nil {
			return "", err
		}
		return o.Reject(cmd.Reason, h.Now())
	})
}
