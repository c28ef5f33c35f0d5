package query

// Shared is a query whose answer is the same for every caller. A near cache
// may keep its answer under CacheKey until one of the read models named by
// DependsOn changes (the near cache learns of changes from their notices).
type Shared interface {
	CacheKey() string
	DependsOn() []string
}

// Read models a shared answer may depend on.
const (
	DependsListings = "listings"
	DependsOrders   = "orders"
	DependsViews    = "views"
)
