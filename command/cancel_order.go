package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// CancelOrder is the tenant withdrawing an order before paying for it. Only
// the order's tenant may cancel; the dates are free again.
type CancelOrder struct {
	Meta
	OrderID uuid.UUID
}

type CancelOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h CancelOrderHandler) Handle(ctx context.Context, cmd CancelOrder) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.OrderID, func(o *Order) (events.Type, error) {
		if err := o.mustBe(cmd.Actor, Tenant); err != nil {
			return "", err
		}
		return o.Cancel(h.Now())
	})
}
