package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// AcceptOrder is the landlord agreeing to a stay; the tenant may then pay.
// Only the order's landlord may accept, and only while it waits for acceptance.
type AcceptOrder struct {
	Meta
	OrderID uuid.UUID
}

type AcceptOrderHandler struct {
	Store OrderStore
	Now   Clock
}

func (h AcceptOrderHandler) Handle(ctx context.Context, cmd AcceptOrder) (Result, error) {
	return h.Store.Update(ctx, cmd.Meta, cmd.OrderID, func(o *Order) (events.Type, error) {
		if err := o.mustBe(cmd.Actor, Landlord); err != nil {
			return "", err
		}
		return o.Accept(h.Now())
	})
}
