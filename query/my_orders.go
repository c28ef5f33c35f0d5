package query

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// MyOrders pages through the acting user's orders as a tenant (the stays
// they asked for) or as a landlord (the requests for their listings), newest
// first, optionally in one status. Fresh reads them from MySQL's writer: the
// user just acted on one (read-your-writes) and the read model may lag.
type MyOrders struct {
	Actor    rental.Actor
	Role     string // tenant (default) | landlord
	Status   string // "" = all
	Page     int
	PageSize int
	Fresh    bool
}

type MyOrdersHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h MyOrdersHandler) Handle(ctx context.Context, q MyOrders) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	page, size, bad := normalizePage(q.Page, q.PageSize)
	switch q.Role {
	case "":
		q.Role = RoleTenant
	case RoleTenant, RoleLandlord:
	default:
		bad["role"] = "must be tenant or landlord"
	}
	if q.Status != "" && !slices.Contains(events.OrderStatuses, q.Status) {
		bad["status"] = "must be one of wait_accept, wait_payment, paid, wait_comment, complete, rejected, canceled"
	}
	if err := rental.Invalid(bad); err != nil {
		return Body{}, err
	}
	offset := (page - 1) * size
	ids, total, err := []uuid.UUID(nil), 0, ErrMiss
	if !q.Fresh {
		ids, total, err = h.RM.UserOrders(ctx, q.Actor.UserID, q.Role, q.Status, offset, size)
	}
	if err == nil {
		if items, err := h.items(ctx, ids); err == nil {
			return Body{JSON: pageJSON(items, total, page, size), Source: FromRedis}, nil
		}
	}
	states, total, err := h.Fallback.UserOrders(ctx, q.Actor.UserID, q.Role, q.Status, offset, size, q.Fresh)
	if err != nil {
		return Body{}, err
	}
	items, err := encodeOrders(states)
	if err != nil {
		return Body{}, err
	}
	source := FromMySQL
	if q.Fresh {
		source = FromWriter
	}
	return Body{JSON: pageJSON(items, total, page, size), Source: source}, nil
}

// items returns the order documents of ids in order; missing ones are read
// from MySQL and repaired.
func (h MyOrdersHandler) items(ctx context.Context, ids []uuid.UUID) ([][]byte, error) {
	docs, err := h.RM.Orders(ctx, ids)
	if err != nil {
		return nil, err
	}
	var missing []uuid.UUID
	for i, d := range docs {
		if !d.Found() {
			missing = append(missing, ids[i])
		}
	}
	fromDB := map[uuid.UUID][]byte{}
	if len(missing) > 0 {
		states, err := h.Fallback.Orders(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, st := range states {
			h.Repair.RepairOrder(st)
			if b, err := json.Marshal(st); err == nil {
				fromDB[st.ID] = b
			}
		}
	}
	items := make([][]byte, 0, len(ids))
	for i, d := range docs {
		switch {
		case d.Found():
			items = append(items, d.JSON)
		case fromDB[ids[i]] != nil:
			items = append(items, fromDB[ids[i]])
		}
	}
	return items, nil
}
