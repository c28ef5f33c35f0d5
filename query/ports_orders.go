package query

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The ports of the queries on orders, favorites, views and discovery. Read
// models answer ErrMiss when they are not built or a key is missing; the
// exceptions are said where they are.

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

// OrderSource is the MySQL side of the order queries.
type OrderSource interface {
	Order(ctx context.Context, id uuid.UUID, fresh bool) (events.OrderState, error)
	Orders(ctx context.Context, ids []uuid.UUID) ([]events.OrderState, error)
	UserOrders(ctx context.Context, user uuid.UUID, role, status string, offset, limit int) ([]events.OrderState, int, error)
	BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]BookedRange, error)
	Reviews(ctx context.Context, listing uuid.UUID, offset, limit int) ([]events.ReviewState, int, error)
}

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

// ActivitySource is the MySQL side of the activity queries.
type ActivitySource interface {
	ListingViews(ctx context.Context, listing uuid.UUID) (int64, error)
	Favorited(ctx context.Context, user, listing uuid.UUID) (bool, error)
	Favorites(ctx context.Context, user uuid.UUID, offset, limit int) ([]uuid.UUID, int, error)
	History(ctx context.Context, user uuid.UUID) (events.HistoryState, error)
}

// Ranking orders of the listings on the home page.
const (
	TopBooked = "bookings"
	TopViewed = "views"
	TopNewest = "new"
)

// ChartData is what the district charts are drawn from; see DistrictStatsHandler.
type ChartData struct {
	Points      []PricePoint  // every published listing's area and price
	Bedrooms    map[int]int64 // listings per bedroom count
	PriceSums   map[int]int64 // sum of monthly prices per bedroom count
	Communities []NameCount   // listings per community, most first, at most TopCommunities
}

// TopCommunities is how many communities the district charts rank.
const TopCommunities = 20

// PricePoint is one listing on the price/area chart.
type PricePoint struct {
	AreaSqm float64
	Price   int64
}

// NameCount is a name and how many listings have it.
type NameCount struct {
	Name  string `json:"name"`
	Count int64  `json:"count"`
}

// DiscoveryReadModels reads what home, similar listings, suggestions and
// charts need from the listings read model.
type DiscoveryReadModels interface {
	// TopListings returns up to limit ids of published listings by one
	// ranking (TopBooked, TopNewest); TopViewed may include listings that are
	// no longer published (callers check the documents).
	TopListings(ctx context.Context, by string, limit int) ([]uuid.UUID, error)
	// NearPrice returns up to limit published listing ids in a district
	// closest in price to price (either side), the listing itself included.
	NearPrice(ctx context.Context, city, district string, price int64, limit int) ([]uuid.UUID, error)
	// Suggest returns up to limit blocks and titles of published listings
	// that contain q (lower-cased), most common first.
	Suggest(ctx context.Context, q string, limit int) (blocks, titles []NameCount, err error)
	// DistrictStats returns the chart data of a district.
	DistrictStats(ctx context.Context, city, district string) (ChartData, error)
}

// DiscoverySource is the MySQL side of the discovery queries.
type DiscoverySource interface {
	TopListings(ctx context.Context, by string, limit int) ([]events.ListingState, error)
	NearPrice(ctx context.Context, city, district string, price int64, limit int) ([]events.ListingState, error)
	Suggest(ctx context.Context, q string, limit int) (blocks, titles []NameCount, err error)
	DistrictStats(ctx context.Context, city, district string) (ChartData, error)
}
