package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// PayOrder records the tenant's payment of an accepted order. Only the
// order's tenant may pay, and only once it was accepted.
type PayOrder struct {
	Meta
	OrderID uuid.UUID
}

type PayOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h PayOrderHandler) Handle(ctx context.Context, cmd PayOrder) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.OrderID, func(o *Order) (events.Type, error) {
		if err := o.mustBe(cmd.Actor, Tenant); err != nil {
			return "", err
		}
		return o.Pay(h.Now())
	})
}
