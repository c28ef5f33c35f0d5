// Package query is the read side: one file per query. Queries read the Redis
// read models (replicas when configured) and fall back to MySQL when a read
// model is missing, unreachable or older than the caller needs; a miss is
// repaired through the same version compare-and-set the worker uses.
package query

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// Doc is one read-model document: the JSON body as served, plus what queries
// check without decoding it.
type Doc struct {
	Version int64
	JSON    []byte
	Status  string    // listings: draft | published | unpublished | deleted
	Owner   uuid.UUID // listings: the landlord
}

// Found reports whether the document exists (a deleted listing's tombstone exists).
func (d Doc) Found() bool { return d.Version > 0 }

// ErrMiss means the read model cannot answer: the key is missing or the read
// models are not built yet. It is never an empty answer; callers fall back.
var ErrMiss = errors.New("read model miss")

// Sort orders of a listing search.
const (
	SortNewest    = "new"
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortBookings  = "bookings" // most orders placed first
	SortViews     = "views"    // most viewed first
)

// ListingFilter is a search over published listings.
type ListingFilter struct {
	City     string
	District string
	PriceMin int64 // 0 = no lower bound
	PriceMax int64 // 0 = no upper bound
	Bedrooms *int
	RentType string
	// Facilities the listing must all have (codes).
	Facilities []string
	// Keyword is a lower-cased substring of the listing's search text
	// (events.ListingState.SearchText); "" = any.
	Keyword string
	// From and To (exclusive) ask for listings free on every day between them;
	// zero = any.
	From, To time.Time
	Sort     string
	Page     int // from 1
	PageSize int
}

// Dated reports whether the filter asks for free dates.
func (f ListingFilter) Dated() bool { return !f.From.IsZero() }

// ReadModels reads the Redis read models.
type ReadModels interface {
	// Listing returns a listing's document, or ErrMiss.
	Listing(ctx context.Context, id uuid.UUID) (Doc, error)
	// Listings returns documents in the order of ids; a missing one is the zero Doc.
	Listings(ctx context.Context, ids []uuid.UUID) ([]Doc, error)
	// SearchListings returns a page of matching ids and the total, or ErrMiss.
	SearchListings(ctx context.Context, f ListingFilter) ([]uuid.UUID, int, error)
	// LandlordListings returns a page of a landlord's listing ids (newest first) and the total.
	LandlordListings(ctx context.Context, landlord uuid.UUID, offset, limit int) ([]uuid.UUID, int, error)
	// User returns a user's document, or ErrMiss.
	User(ctx context.Context, id uuid.UUID) (Doc, error)

	OrderReadModels
	ActivityReadModels
	DiscoveryReadModels
}

// Repairer writes a state read from MySQL back to the read models, through
// the version compare-and-set, so a newer projection always wins. It is best
// effort and must not slow the query down.
type Repairer interface {
	RepairListing(st events.ListingState)
	RepairUser(st events.UserState)
	RepairOrder(st events.OrderState)
}

// Fallback is the MySQL side of the queries: the reader pool, or the writer
// when fresh is set (read-your-writes after a command).
type Fallback interface {
	Listing(ctx context.Context, id uuid.UUID, fresh bool) (events.ListingState, error)
	Listings(ctx context.Context, ids []uuid.UUID) ([]events.ListingState, error)
	SearchListings(ctx context.Context, f ListingFilter) ([]events.ListingState, int, error)
	// LandlordListings pages a landlord's listings, newest first: every status
	// but deleted when status is "", else that status.
	LandlordListings(ctx context.Context, landlord uuid.UUID, status string, offset, limit int, fresh bool) ([]events.ListingState, int, error)
	User(ctx context.Context, id uuid.UUID, fresh bool) (events.UserState, error)

	OrderFallback
	ActivityFallback
	DiscoveryFallback
}
