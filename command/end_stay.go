package command

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// EndStay moves a paid order whose stay is over to wait_comment, so the
// tenant is asked for a review. It is run by the platform (a periodic job in
// the worker, infra/jobs), never by a user.
type EndStay struct {
	Meta
	OrderID uuid.UUID
}

type EndStayHandler struct {
	Store OrderStore
	Now   Clock
}

func (h EndStayHandler) Handle(ctx context.Context, cmd EndStay) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
		return Result{}, err
	}
	return h.Store.Update(ctx, cmd.Meta, cmd.OrderID, func(o *Order) (events.Type, error) {
		return o.EndStay(h.Now())
	})
}
