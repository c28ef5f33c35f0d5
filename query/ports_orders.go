package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The ports of the order queries. Read models answer ErrMiss when they are
// not built or a key is missing.

// Roles in which a user sees orders.
const (
	RoleTenant   = "tenant"
	RoleLandlord = "landlord"
)

// BookedRange is a stay an order holds: [Start, End).
type BookedRange struct {
	Start   time.Time
	End     time.Time
	OrderID uuid.UUID
}

// OrderReadModels reads the orders read model.
type OrderReadModels interface {
	Order(ctx context.Context, id uuid.UUID) (Doc, error)
	Orders(ctx context.Context, ids []uuid.UUID) ([]Doc, error)
	// UserOrders pages through a user's orders in a role, newest first, in
	// one status ("" = all).
	UserOrders(ctx context.Context, user uuid.UUID, role, status string, offset, limit int) ([]uuid.UUID, int, error)
	// BookedRanges returns the stays that hold dates of a listing and overlap [from, to).
	BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]BookedRange, error)
	// Reviews pages through a listing's reviews, newest first (encoded events.ReviewState).
	Reviews(ctx context.Context, listing uuid.UUID, offset, limit int) ([][]byte, int, error)
}

// OrderFallback is the MySQL side of the order queries; fresh reads the
// writer (read-your-writes after a command).
type OrderFallback interface {
	Order(ctx context.Context, id uuid.UUID, fresh bool) (events.OrderState, error)
	Orders(ctx context.Context, ids []uuid.UUID) ([]events.OrderState, error)
	UserOrders(ctx context.Context, user uuid.UUID, role, status string, offset, limit int, fresh bool) ([]events.OrderState, int, error)
	BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]BookedRange, error)
	Reviews(ctx context.Context, listing uuid.UUID, offset, limit int) ([]events.ReviewState, int, error)
}
