package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The ports of the queries on favorites, view counters and histories. Read
// models answer ErrMiss when they are not built or a key is missing; the
// exceptions are said where they are.

// Count is a counter read model: its value and version (0 and 0 when the
// thing was never counted).
type Count struct {
	Version int64
	N       int64
}

// ActivityReadModels reads favorites, view counters and histories.
type ActivityReadModels interface {
	// ListingViews returns a listing's view counter. Inside a built read
	// model a missing counter is a zero one (no view projected yet, the same
	// as lag), not a miss: the listing detail reads it on every request.
	ListingViews(ctx context.Context, listing uuid.UUID) (Count, error)
	// Favorited reports whether the user favorited the listing; like
	// ListingViews, a missing entry inside a built read model is "no".
	Favorited(ctx context.Context, user, listing uuid.UUID) (bool, error)
	// Favorites pages through the listing ids a user favorited, newest first.
	Favorites(ctx context.Context, user uuid.UUID, offset, limit int) ([]uuid.UUID, int, error)
	// History returns a user's view history document (events.HistoryState).
	History(ctx context.Context, user uuid.UUID) (Doc, error)
}

// ActivityFallback is the MySQL side of the activity queries; fresh reads
// the writer (read-your-writes after the user changed them).
type ActivityFallback interface {
	ListingViews(ctx context.Context, listing uuid.UUID) (int64, error)
	Favorited(ctx context.Context, user, listing uuid.UUID) (bool, error)
	Favorites(ctx context.Context, user uuid.UUID, offset, limit int, fresh bool) ([]uuid.UUID, int, error)
	History(ctx context.Context, user uuid.UUID, fresh bool) (events.HistoryState, error)
}
