package query

import (
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

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

// The dependencies of the shared queries, one slice each: DependsOn is
// called on every read, so it returns these rather than a new slice (the
// near cache only reads them).
var (
	onListings       = []string{DependsListings}
	onListingsOrders = []string{DependsListings, DependsOrders}
	onListingsViews  = []string{DependsListings, DependsViews}
)

// appendKey appends a Shared query's kind and the listing it is about to
// buf: a listing page builds four keys per request, so they are built
// without uuid.String, time.Format or concatenation (keys are only
// compared, never read).
func appendKey(buf []byte, kind string, id uuid.UUID) []byte {
	buf = append(buf, kind...)
	buf = append(buf, '|')
	return hex.AppendEncode(buf, id[:])
}

// appendDay appends '|' and t's date as yyyymmdd (nothing after '|' for
// the zero time).
func appendDay(buf []byte, t time.Time) []byte {
	buf = append(buf, '|')
	if t.IsZero() {
		return buf
	}
	y, m, d := t.Date()
	return strconv.AppendInt(buf, int64(y)*10000+int64(m)*100+int64(d), 10)
}

// Narrow is a Shared query that can tell the changes that could alter its
// answer from those that cannot: a near cache keeps its answer through the
// others. Its DependsOn still names the read models it reads; changes of
// listings and orders are judged by AffectedBy, the others by read model.
type Narrow interface {
	Shared
	AffectedBy(c Change) bool
}

// Change is one change a read model announced: a listing (its facts before
// and after) or an order's stay.
type Change struct {
	Listing *ListingChange
	Stay    *StayChange
}

// ListingChange says what a listing was and became, as far as a search can
// tell. Before or After is nil when the listing was not, or is no longer,
// published; Unknown when the announcement did not say (an older writer, a
// removal by the check): every answer must then be taken as affected.
type ListingChange struct {
	ID            uuid.UUID
	Before, After *ListingFacts
	Unknown       bool
}

// ListingFacts are the fields of a published listing a search filters on.
type ListingFacts struct {
	City, District string
	Price          int64
	Bedrooms       int
	RentType       string
	Facilities     []string
	Text           string // events.ListingState.SearchText
}

// StayChange says which dates of a listing an order held before and holds
// after the change (nil: none); Unknown as for ListingChange.
type StayChange struct {
	Listing       uuid.UUID
	Before, After *Stay
	Unknown       bool
}

// Stay is the dates an order holds, the end exclusive.
type Stay struct{ Start, End time.Time }

// Could reports whether a listing with these facts could be in an answer
// to f: every filter but the dates (which depend on orders too).
func (f ListingFilter) Could(l *ListingFacts) bool {
	if l == nil || (f.City != "" && l.City != f.City) || (f.District != "" && l.District != f.District) ||
		(f.PriceMin > 0 && l.Price < f.PriceMin) || (f.PriceMax > 0 && l.Price > f.PriceMax) ||
		(f.Bedrooms != nil && l.Bedrooms != *f.Bedrooms) || (f.RentType != "" && l.RentType != f.RentType) {
		return false
	}
	for _, fac := range f.Facilities {
		if !slices.Contains(l.Facilities, fac) {
			return false
		}
	}
	return strings.Contains(l.Text, f.Keyword)
}

// Overlaps reports whether a dated filter's window shares a day with a stay.
func (f ListingFilter) Overlaps(s *Stay) bool {
	return s != nil && f.Dated() && s.Start.Before(f.To) && s.End.After(f.From)
}
