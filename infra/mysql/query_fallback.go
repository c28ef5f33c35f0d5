package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// QueryFallback implements query.Fallback: the MySQL answers to the queries,
// from the reader pool, falling back to the writer when the reader fails, and
// from the writer when the caller needs its own write (fresh).
type QueryFallback struct {
	pools Pools
	cat   *rental.Catalog
}

// NewQueryFallback returns a QueryFallback over both pools.
func NewQueryFallback(pools Pools, cat *rental.Catalog) QueryFallback {
	return QueryFallback{pools: pools, cat: cat}
}

// read runs fn on the reader (or the writer when fresh), and once more on the
// writer if the reader fails with a connection-level error or finds nothing.
// A reader may lag the writer (Galera applies a write on the other nodes a
// little after the commit), so its "not found" is confirmed on the writer
// before it is answered: the fault tests saw 404s for listings whose create
// had been acknowledged. A miss is rare, so the second read costs little.
func (s QueryFallback) read(ctx context.Context, fresh bool, fn func(db *sql.DB) error) error {
	if fresh || s.pools.Reader == s.pools.Writer {
		return fn(s.pools.Writer)
	}
	err := fn(s.pools.Reader)
	if err != nil && (Transient(err) || notFound(err)) {
		return fn(s.pools.Writer)
	}
	return err
}

// notFound is a read that found no row.
func notFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows) || rental.ErrorCode(err) == rental.ENOTFOUND
}

func (s QueryFallback) Listing(ctx context.Context, id uuid.UUID, fresh bool) (events.ListingState, error) {
	var l *command.Listing
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		var err error
		l, err = loadListing(ctx, db, id)
		return err
	})
	if err != nil {
		return events.ListingState{}, err
	}
	return l.State(s.cat), nil
}

func (s QueryFallback) Listings(ctx context.Context, ids []uuid.UUID) ([]events.ListingState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := s.listings(ctx, `SELECT `+listingColumns+` FROM listings WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids))
	if err != nil {
		return nil, err
	}
	return inOrder(ids, found, func(st events.ListingState) uuid.UUID { return st.ID }), nil
}

// inOrder returns the found states in the order of ids (an id not found is left out).
func inOrder[S any](ids []uuid.UUID, found []S, idOf func(S) uuid.UUID) []S {
	byID := make(map[uuid.UUID]S, len(found))
	for _, st := range found {
		byID[idOf(st)] = st
	}
	out := make([]S, 0, len(ids))
	for _, id := range ids {
		if st, ok := byID[id]; ok {
			out = append(out, st)
		}
	}
	return out
}

func (s QueryFallback) SearchListings(ctx context.Context, f query.ListingFilter) ([]events.ListingState, int, error) {
	where := []string{"status = ?"}
	args := []any{events.StatusPublished}
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.City != "" {
		add("city = ?", f.City)
	}
	if f.District != "" {
		add("district = ?", f.District)
	}
	if f.PriceMin > 0 {
		add("price >= ?", f.PriceMin)
	}
	if f.PriceMax > 0 {
		add("price <= ?", f.PriceMax)
	}
	if f.Bedrooms != nil {
		add("bedrooms = ?", *f.Bedrooms)
	}
	if f.RentType != "" {
		add("rent_type = ?", f.RentType)
	}
	if mask := s.cat.FacilityMask(f.Facilities); mask != 0 {
		where = append(where, "facility_mask & ? = ?")
		args = append(args, mask, mask)
	}
	if f.Keyword != "" {
		add("INSTR(search_text, ?) > 0", f.Keyword) // search_text is utf8mb4_bin: a byte-wise substring, as in Redis
	}
	if f.Dated() {
		where = append(where, `NOT EXISTS (SELECT 1 FROM orders o WHERE o.listing_id = listings.id
			AND o.start_date < ? AND o.end_date > ? AND `+holdsDatesSQL("o.")+`)`)
		args = append(append(args, date(f.To), date(f.From)), blockingStatuses...)
	}
	cond := strings.Join(where, " AND ")
	order := "published_at DESC, id DESC"
	switch f.Sort {
	case query.SortPriceAsc:
		order = "price ASC, id ASC"
	case query.SortPriceDesc:
		order = "price DESC, id DESC"
	case query.SortBookings:
		order = "bookings DESC, id DESC"
	case query.SortViews:
		order = "COALESCE((SELECT v.views FROM listing_views v WHERE v.listing_id = listings.id), 0) DESC, id DESC"
	}
	var total int
	err := s.read(ctx, false, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM listings WHERE `+cond, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("counting listings: %w", err)
	}
	page, err := s.listings(ctx, `SELECT `+listingColumns+` FROM listings WHERE `+cond+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, f.PageSize, (f.Page-1)*f.PageSize))
	return page, total, err
}

func (s QueryFallback) LandlordListings(ctx context.Context, landlord uuid.UUID, status string, offset, limit int, fresh bool) ([]events.ListingState, int, error) {
	cond, args := "landlord_id = ? AND status <> ?", []any{landlord[:], events.StatusDeleted}
	if status != "" {
		cond, args = "landlord_id = ? AND status = ?", []any{landlord[:], status}
	}
	var total int
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM listings WHERE `+cond, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("counting listings of landlord %s: %w", landlord, err)
	}
	page, err := s.listingsFrom(ctx, fresh, `SELECT `+listingColumns+` FROM listings WHERE `+cond+`
		ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`, append(args, limit, offset))
	return page, total, err
}

// listings runs a listing query.
func (s QueryFallback) listings(ctx context.Context, q string, args []any) ([]events.ListingState, error) {
	return s.listingsFrom(ctx, false, q, args)
}

// listingsFrom runs a listing query on the reader, or on the writer when fresh.
func (s QueryFallback) listingsFrom(ctx context.Context, fresh bool, q string, args []any) ([]events.ListingState, error) {
	var out []events.ListingState
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		ls, err := scanListings(db.QueryContext(ctx, q, args...))
		out = listingStates(ls, s.cat)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading listings: %w", err)
	}
	return out, nil
}

func (s QueryFallback) User(ctx context.Context, id uuid.UUID, fresh bool) (events.UserState, error) {
	var u *command.User
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		var err error
		u, err = scanUser(db.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id[:]))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return events.UserState{}, rental.Errorf(rental.ENOTFOUND, "user %s not found", id)
	}
	if err != nil {
		return events.UserState{}, fmt.Errorf("reading user %s: %w", id, err)
	}
	return u.State(), nil
}
