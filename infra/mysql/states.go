package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental"
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

func idArgs(ids []uuid.UUID) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id[:]
	}
	return args
}
