package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// OrderDetail returns one order to its tenant or its landlord; to anyone else
// it does not exist (ENOTFOUND). MinVersion > 0 asks for at least that
// version, as after a command on it.
type OrderDetail struct {
	Actor      rental.Actor
	ID         uuid.UUID
	MinVersion int64
}

type OrderDetailHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h OrderDetailHandler) Handle(ctx context.Context, q OrderDetail) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	doc, err := h.RM.Order(ctx, q.ID)
	if err == nil && doc.Version >= q.MinVersion {
		parties, err := orderParties(doc.JSON)
		if err != nil {
			return Body{}, err
		}
		if !parties.include(q.Actor) {
			return Body{}, orderNotFound(q.ID)
		}
		body, err := h.withContact(ctx, doc.JSON, parties, q.Actor)
		return Body{JSON: body, Version: doc.Version, Source: FromRedis}, err
	}
	fresh := err == nil || q.MinVersion > 0
	st, err := h.Fallback.Order(ctx, q.ID, fresh)
	if err != nil {
		return Body{}, err
	}
	h.Repair.RepairOrder(st)
	parties := orderPartiesOf{st.TenantID, st.LandlordID}
	if !parties.include(q.Actor) {
		return Body{}, orderNotFound(q.ID)
	}
	body, err := json.Marshal(st)
	if err != nil {
		return Body{}, fmt.Errorf("encoding order %s: %w", q.ID, err)
	}
	if body, err = h.withContact(ctx, body, parties, q.Actor); err != nil {
		return Body{}, err
	}
	source := FromMySQL
	if fresh {
		source = FromWriter
	}
	return Body{JSON: body, Version: st.Version, Source: source}, nil
}

// withContact appends the other party's contact: the tenant's
// (tenant_contact) for the landlord, the landlord's (landlord_contact) for
// the tenant; both would be the same account's, so a landlord's own booking
// gets none.
func (h OrderDetailHandler) withContact(ctx context.Context, doc []byte, parties orderPartiesOf, a rental.Actor) ([]byte, error) {
	field, other := "tenant_contact", parties.Tenant
	if a.UserID == parties.Tenant {
		field, other = "landlord_contact", parties.Landlord
	}
	if other == a.UserID {
		return doc, nil
	}
	extra, err := appendContact(ctx, h.RM, h.Fallback, nil, field, other)
	if err != nil {
		return nil, err
	}
	return withFields(doc, extra), nil
}

// orderPartiesOf are the two users who may see an order.
type orderPartiesOf struct {
	Tenant   uuid.UUID `json:"tenant_id"`
	Landlord uuid.UUID `json:"landlord_id"`
}

func (p orderPartiesOf) include(a rental.Actor) bool {
	return a.UserID != uuid.Nil && (a.UserID == p.Tenant || a.UserID == p.Landlord)
}

func orderParties(doc []byte) (orderPartiesOf, error) {
	var p orderPartiesOf
	if err := json.Unmarshal(doc, &p); err != nil {
		return p, fmt.Errorf("decoding an order document: %w", err)
	}
	return p, nil
}

func orderNotFound(id uuid.UUID) error {
	return rental.Errorf(rental.ENOTFOUND, "order %s not found", id)
}

// encodeOrders encodes orders read from MySQL.
func encodeOrders(states []events.OrderState) ([][]byte, error) {
	items := make([][]byte, len(states))
	for i, st := range states {
		b, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("encoding order %s: %w", st.ID, err)
		}
		items[i] = b
	}
	return items, nil
}
