package worker

import (
	"context"

	"github.com/zufang/rental/events"
)

// OrderProjector keeps the order documents, each user's orders by role and
// status, the booked ranges of every listing (availability, search by
// dates) and the reviews. Every order event carries the whole order: one
// compare-and-set write moves all of them.
type OrderProjector struct{ RM ReadModels }

func (p OrderProjector) Projection() Projection {
	return Projection{
		Name: "orders",
		Types: []events.Type{events.OrderPlaced, events.OrderAccepted, events.OrderRejected, events.OrderPaid,
			events.OrderCanceled, events.OrderStayEnded, events.OrderReviewed},
		Apply:      p.onOrderChanged,
		LatestOnly: true, // every order event carries the whole order
	}
}

func (p OrderProjector) onOrderChanged(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.OrderState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutOrder(ctx, gen, st, doc)
}
