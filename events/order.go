package events

import (
	"time"

	"github.com/google/uuid"
)

// Order events. Every one carries the order's full state.
const (
	OrderPlaced   Type = "order.placed.v1"
	OrderAccepted Type = "order.accepted.v1"
	OrderRejected Type = "order.rejected.v1"
	OrderPaid     Type = "order.paid.v1"
	OrderCanceled Type = "order.canceled.v1"
	// OrderStayEnded: the stay of a paid order is over; the tenant may review it.
	OrderStayEnded Type = "order.stay_ended.v1"
	OrderReviewed  Type = "order.reviewed.v1"
)

// Order statuses as they appear on the wire. An order in wait_accept,
// wait_payment, paid or wait_comment blocks its dates (OrderBlocks).
const (
	OrderStatusWaitAccept  = "wait_accept"
	OrderStatusWaitPayment = "wait_payment"
	OrderStatusPaid        = "paid"
	OrderStatusWaitComment = "wait_comment"
	OrderStatusComplete    = "complete"
	OrderStatusRejected    = "rejected"
	OrderStatusCanceled    = "canceled"
)

// OrderStatuses lists every status, in the order of the state machine.
var OrderStatuses = []string{OrderStatusWaitAccept, OrderStatusWaitPayment, OrderStatusPaid,
	OrderStatusWaitComment, OrderStatusComplete, OrderStatusRejected, OrderStatusCanceled}

// OrderBlocks reports whether an order in this status holds its dates.
func OrderBlocks(status string) bool {
	switch status {
	case OrderStatusWaitAccept, OrderStatusWaitPayment, OrderStatusPaid, OrderStatusWaitComment:
		return true
	}
	return false
}

// chinaTime is the platform's civil time zone (UTC+8, no daylight saving):
// "today", "in the past" and "the stay is over" are judged in it.
var chinaTime = time.FixedZone("CST", 8*3600)

// Today returns the civil date (as UTC midnight) of now in China.
func Today(now time.Time) time.Time {
	y, m, d := now.In(chinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DateLayout is how dates travel: ISO 8601 calendar dates.
const DateLayout = "2006-01-02"

// MaxStayDays bounds the length of any stay (the write side allows 36
// months), so a lookup of the stays overlapping a date only reads stays that
// start at most this long before it.
const MaxStayDays = 1100

// Day is a date as a day number (days since 1970-01-01), as read-model
// indexes score stays.
func Day(t time.Time) int64 { return t.Unix() / 86400 }

// OrderState is an order as the read side sees it: the JSON of GET /api/v1/orders/{id}.
// Dates are ISO calendar dates; end_date is exclusive (the day the tenant leaves).
type OrderState struct {
	ID           uuid.UUID    `json:"id"`
	Version      int64        `json:"version"`
	ListingID    uuid.UUID    `json:"listing_id"`
	TenantID     uuid.UUID    `json:"tenant_id"`
	LandlordID   uuid.UUID    `json:"landlord_id"`
	Status       string       `json:"status"`
	StartDate    string       `json:"start_date"`
	EndDate      string       `json:"end_date"`
	Months       int          `json:"months"` // whole months of the stay
	Days         int          `json:"days"`   // days beyond the whole months
	MonthlyPrice int64        `json:"monthly_price"`
	Amount       int64        `json:"amount"` // CNY, see command.Amount for the rule
	ListingTitle string       `json:"listing_title"`
	City         string       `json:"city"`
	District     string       `json:"district"`
	RejectReason string       `json:"reject_reason,omitempty"`
	Review       *ReviewState `json:"review,omitempty"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

// ReviewState is the tenant's review of a completed stay; it is public
// (GET /api/v1/listings/{id}/reviews).
type ReviewState struct {
	OrderID   uuid.UUID `json:"order_id"`
	ListingID uuid.UUID `json:"listing_id"`
	Rating    int       `json:"rating"`
	Content   string    `json:"content"`
	CreatedAt time.Time `json:"created_at"`
}
