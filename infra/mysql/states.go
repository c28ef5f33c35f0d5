package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// States streams every aggregate's current state from the writer, in id
// order and in batches, for consistency checks; deleted listings included.
type States struct {
	db  *sql.DB
	cat *rental.Catalog
}

// NewStates reads from db (give it the writer: checks compare against the truth).
func NewStates(db *sql.DB, cat *rental.Catalog) States { return States{db: db, cat: cat} }

// Listings returns up to limit listings with an id greater than after.
func (s States) Listings(ctx context.Context, after uuid.UUID, limit int) ([]events.ListingState, error) {
	ls, err := scanListings(s.db.QueryContext(ctx, `SELECT `+listingColumns+` FROM listings WHERE id > ? ORDER BY id LIMIT ?`, after[:], limit))
	if err != nil {
		return nil, fmt.Errorf("reading listings: %w", err)
	}
	return listingStates(ls, s.cat), nil
}

// Users returns up to limit users with an id greater than after.
func (s States) Users(ctx context.Context, after uuid.UUID, limit int) ([]events.UserState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id > ? ORDER BY id LIMIT ?`, after[:], limit)
	if err != nil {
		return nil, fmt.Errorf("reading users: %w", err)
	}
	defer rows.Close()
	var out []events.UserState
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("reading users: %w", err)
		}
		out = append(out, u.State())
	}
	return out, rows.Err()
}

// ListingsByID returns the listings among ids that exist, in any order.
func (s States) ListingsByID(ctx context.Context, ids []uuid.UUID) ([]events.ListingState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ls, err := scanListings(s.db.QueryContext(ctx, `SELECT `+listingColumns+` FROM listings WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...))
	if err != nil {
		return nil, fmt.Errorf("reading listings by id: %w", err)
	}
	return listingStates(ls, s.cat), nil
}

// UsersByID returns the users among ids that exist, in any order.
func (s States) UsersByID(ctx context.Context, ids []uuid.UUID) ([]events.UserState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("reading users by id: %w", err)
	}
	defer rows.Close()
	var out []events.UserState
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("reading users by id: %w", err)
		}
		out = append(out, u.State())
	}
	return out, rows.Err()
}

// Orders returns up to limit orders with an id greater than after.
func (s States) Orders(ctx context.Context, after uuid.UUID, limit int) ([]events.OrderState, error) {
	os, err := scanOrders(s.db.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id > ? ORDER BY id LIMIT ?`, after[:], limit))
	if err != nil {
		return nil, fmt.Errorf("reading orders: %w", err)
	}
	return orderStates(os), nil
}

// OrdersByID returns the orders among ids that exist, in any order.
func (s States) OrdersByID(ctx context.Context, ids []uuid.UUID) ([]events.OrderState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	os, err := scanOrders(s.db.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...))
	if err != nil {
		return nil, fmt.Errorf("reading orders by id: %w", err)
	}
	return orderStates(os), nil
}

func orderStates(os []*command.Order) []events.OrderState {
	out := make([]events.OrderState, len(os))
	for i, o := range os {
		out[i] = o.State()
	}
	return out
}

// favoriteColumns: id is the pair's aggregate id, derived by MySQL (migration 00011).
const favoriteColumns = `id, user_id, listing_id, version, active, favorited_at`

// Favorites returns up to limit (user, listing) pairs, removed ones included,
// with an aggregate id (events.FavoriteID) greater than after.
func (s States) Favorites(ctx context.Context, after uuid.UUID, limit int) ([]events.FavoriteState, error) {
	out, err := scanFavorites(s.db.QueryContext(ctx, `SELECT `+favoriteColumns+` FROM favorites WHERE id > ? ORDER BY id LIMIT ?`, after[:], limit))
	if err != nil {
		return nil, fmt.Errorf("reading favorites: %w", err)
	}
	return out, nil
}

// FavoritesByID returns the pairs among these aggregate ids that exist, in any order.
func (s States) FavoritesByID(ctx context.Context, ids []uuid.UUID) ([]events.FavoriteState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := scanFavorites(s.db.QueryContext(ctx, `SELECT `+favoriteColumns+` FROM favorites WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids)...))
	if err != nil {
		return nil, fmt.Errorf("reading favorites by id: %w", err)
	}
	return out, nil
}

func scanFavorites(rows *sql.Rows, err error) ([]events.FavoriteState, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.FavoriteState
	for rows.Next() {
		var id, user, listing uuid.UUID
		var version int64
		var active bool
		var at time.Time
		if err := rows.Scan(&id, &user, &listing, &version, &active, &at); err != nil {
			return nil, err
		}
		f := command.NewFavorite(user, listing)
		f.Version, f.Active, f.At = version, active, at
		if f.ID != id {
			return nil, fmt.Errorf("favorite %s/%s: MySQL derives id %s, the platform %s (migration 00011 and events.FavoriteID disagree)",
				user, listing, id, f.ID)
		}
		out = append(out, f.State())
	}
	return out, rows.Err()
}

// ListingViews returns up to limit view counters of listings with an id greater than after.
func (s States) ListingViews(ctx context.Context, after uuid.UUID, limit int) ([]events.ListingViewsState, error) {
	out, err := scanCounters(s.db.QueryContext(ctx, `SELECT listing_id, version, views FROM listing_views WHERE listing_id > ?
		ORDER BY listing_id LIMIT ?`, after[:], limit))
	if err != nil {
		return nil, fmt.Errorf("reading view counters: %w", err)
	}
	return out, nil
}

// ListingViewsByID returns the view counters among these listing ids that exist, in any order.
func (s States) ListingViewsByID(ctx context.Context, listings []uuid.UUID) ([]events.ListingViewsState, error) {
	if len(listings) == 0 {
		return nil, nil
	}
	out, err := scanCounters(s.db.QueryContext(ctx, `SELECT listing_id, version, views FROM listing_views WHERE listing_id IN (`+
		placeholders(len(listings))+`)`, idArgs(listings)...))
	if err != nil {
		return nil, fmt.Errorf("reading view counters by id: %w", err)
	}
	return out, nil
}

func scanCounters(rows *sql.Rows, err error) ([]events.ListingViewsState, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.ListingViewsState
	for rows.Next() {
		var listing uuid.UUID
		var version, views int64
		if err := rows.Scan(&listing, &version, &views); err != nil {
			return nil, err
		}
		c := command.NewViewCounter(listing)
		c.Version, c.Views = version, views
		out = append(out, c.State())
	}
	return out, rows.Err()
}

// Histories returns up to limit view histories of users with an id greater than after.
func (s States) Histories(ctx context.Context, after uuid.UUID, limit int) ([]events.HistoryState, error) {
	out, err := scanHistories(s.db.QueryContext(ctx, `SELECT user_id, version, items FROM view_history WHERE user_id > ?
		ORDER BY user_id LIMIT ?`, after[:], limit))
	if err != nil {
		return nil, fmt.Errorf("reading view histories: %w", err)
	}
	return out, nil
}

// HistoriesByID returns the histories among these user ids that exist, in any order.
func (s States) HistoriesByID(ctx context.Context, users []uuid.UUID) ([]events.HistoryState, error) {
	if len(users) == 0 {
		return nil, nil
	}
	out, err := scanHistories(s.db.QueryContext(ctx, `SELECT user_id, version, items FROM view_history WHERE user_id IN (`+
		placeholders(len(users))+`)`, idArgs(users)...))
	if err != nil {
		return nil, fmt.Errorf("reading view histories by id: %w", err)
	}
	return out, nil
}

func scanHistories(rows *sql.Rows, err error) ([]events.HistoryState, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []events.HistoryState
	for rows.Next() {
		h := &command.History{}
		if err := scanHistory(rows, h); err != nil {
			return nil, err
		}
		out = append(out, h.State())
	}
	return out, rows.Err()
}

func idArgs(ids []uuid.UUID) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id[:]
	}
	return args
}
