package check

import (
	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Orders checks the orders read model against the orders table: each order's
// document, its places in its tenant's and landlord's lists (all and by
// status), the stay in the booked ranges while it holds its dates, and its
// review (the listing's reviews and the review documents).
func Orders(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.Orders, "order", states.Orders(),
		func(st events.OrderState) uuid.UUID { return st.ID }, readmodel.NewInspector(rm).ExpectOrder)
}
