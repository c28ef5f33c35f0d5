package query

import (
	"context"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The ports of the discovery queries: home, similar listings, suggestions
// and district charts.

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

// DiscoveryFallback is the MySQL side of the discovery queries.
type DiscoveryFallback interface {
	TopListings(ctx context.Context, by string, limit int) ([]events.ListingState, error)
	NearPrice(ctx context.Context, city, district string, price int64, limit int) ([]events.ListingState, error)
	Suggest(ctx context.Context, q string, limit int) (blocks, titles []NameCount, err error)
	DistrictStats(ctx context.Context, city, district string) (ChartData, error)
}
