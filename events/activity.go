package events

import (
	"time"

	"github.com/google/uuid"
)

// Favorite events. A favorite is the aggregate of one (user, listing) pair:
// its id is FavoriteID(user, listing), its version counts adds and removes,
// so a late "added" can never undo a newer "removed".
const (
	FavoriteAdded   Type = "favorite.added.v1"
	FavoriteRemoved Type = "favorite.removed.v1"
)

// FavoriteState is one (user, listing) pair and whether it is a favorite now.
type FavoriteState struct {
	ID        uuid.UUID `json:"id"`
	Version   int64     `json:"version"`
	UserID    uuid.UUID `json:"user_id"`
	ListingID uuid.UUID `json:"listing_id"`
	Active    bool      `json:"active"`
	// At is when it was last favorited (the order of the favorites list).
	At time.Time `json:"at"`
}

// View events. Views are recorded in batches (the api buffers them off the
// request path); each batch changes two kinds of aggregate, each with its own
// version so redelivery and reordering are harmless:
//   - a listing's view counter (id ListingViewsID(listing)): the total so far;
//   - a user's history (id HistoryID(user)): the last HistorySize listings viewed.
const (
	ListingViewed  Type = "listing_views.recorded.v1"
	HistoryViewed  Type = "view_history.recorded.v1"
	HistoryCleared Type = "view_history.cleared.v1"
)

// Imported from the site this platform replaces (rentalctl import). They
// carry the state like the others; their own types say in event_log that the
// views were counted by the old site, not seen here:
//   - a listing's view counter gains the old site's page views, once;
//   - a user's history gains the listings viewed on the old site, after (older
//     than) every view recorded here, without counting any view.
const (
	ListingViewsImported Type = "listing_views.imported.v1"
	HistoryImported      Type = "view_history.imported.v1"
)

// HistorySize is how many viewed listings a user's history keeps.
const HistorySize = 20

// ListingViewsState is a listing's view counter.
type ListingViewsState struct {
	ID        uuid.UUID `json:"id"`
	Version   int64     `json:"version"`
	ListingID uuid.UUID `json:"listing_id"`
	Views     int64     `json:"views"`
}

// HistoryState is a user's last viewed listings, most recent first, each once.
type HistoryState struct {
	ID      uuid.UUID     `json:"id"`
	Version int64         `json:"version"`
	UserID  uuid.UUID     `json:"user_id"`
	Items   []HistoryItem `json:"items"`
}

// HistoryItem is one viewed listing.
type HistoryItem struct {
	ListingID uuid.UUID `json:"listing_id"`
	ViewedAt  time.Time `json:"viewed_at"`
}

// Ids of the derived aggregates. event_log keeps one event per (aggregate id,
// version) whatever the type, so a counter keyed by a listing needs an id of
// its own: a name-based UUID of the thing it counts, stable on every node.
var (
	favoriteSpace = uuid.MustParse("9b0c7a52-4a55-4f7e-a1d4-6f0b7c1e2a01")
	viewsSpace    = uuid.MustParse("9b0c7a52-4a55-4f7e-a1d4-6f0b7c1e2a02")
	historySpace  = uuid.MustParse("9b0c7a52-4a55-4f7e-a1d4-6f0b7c1e2a03")
)

// FavoriteID is the aggregate id of the (user, listing) favorite pair. MySQL
// derives the same id in favorites.id (migration 00011): change both or neither.
func FavoriteID(user, listing uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(favoriteSpace, append(user[:], listing[:]...))
}

// ListingViewsID is the aggregate id of a listing's view counter.
func ListingViewsID(listing uuid.UUID) uuid.UUID { return uuid.NewSHA1(viewsSpace, listing[:]) }

// HistoryID is the aggregate id of a user's view history.
func HistoryID(user uuid.UUID) uuid.UUID { return uuid.NewSHA1(historySpace, user[:]) }
