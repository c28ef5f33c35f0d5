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
// Each aggregate is one StateTable: the six differ only in their query and
// how a row becomes a state.
type States struct {
	db  *sql.DB
	cat *rental.Catalog
}

// NewStates reads from db (give it the writer: checks compare against the truth).
func NewStates(db *sql.DB, cat *rental.Catalog) States { return States{db: db, cat: cat} }

// StateTable reads the states of one table's rows, keyed by one id column.
type StateTable[S any] struct {
	db   *sql.DB
	what string // in errors: "reading <what>"
	from string // SELECT <columns> FROM <table>
	key  string // the id column the rows are ordered and found by
	scan func(*sql.Rows) (S, error)
}

// Page returns up to limit states with an id greater than after, in id order.
func (t StateTable[S]) Page(ctx context.Context, after uuid.UUID, limit int) ([]S, error) {
	out, err := t.read(ctx, t.from+` WHERE `+t.key+` > ? ORDER BY `+t.key+` LIMIT ?`, after[:], limit)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", t.what, err)
	}
	return out, nil
}

// ByID returns the states among ids that exist, in any order.
func (t StateTable[S]) ByID(ctx context.Context, ids []uuid.UUID) ([]S, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := t.read(ctx, t.from+` WHERE `+t.key+` IN (`+placeholders(len(ids))+`)`, idArgs(ids)...)
	if err != nil {
		return nil, fmt.Errorf("reading %s by id: %w", t.what, err)
	}
	return out, nil
}

func (t StateTable[S]) read(ctx context.Context, query string, args ...any) ([]S, error) {
	rows, err := t.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []S
	for rows.Next() {
		st, err := t.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Listings: every listing, deleted ones included.
func (s States) Listings() StateTable[events.ListingState] {
	return StateTable[events.ListingState]{db: s.db, what: "listings", from: `SELECT ` + listingColumns + ` FROM listings`, key: "id",
		scan: func(rows *sql.Rows) (events.ListingState, error) {
			l, err := scanListing(rows)
			if err != nil {
				return events.ListingState{}, err
			}
			return l.State(s.cat), nil
		}}
}

// Users: every user.
func (s States) Users() StateTable[events.UserState] {
	return StateTable[events.UserState]{db: s.db, what: "users", from: `SELECT ` + userColumns + ` FROM users`, key: "id",
		scan: func(rows *sql.Rows) (events.UserState, error) {
			u, err := scanUser(rows)
			if err != nil {
				return events.UserState{}, err
			}
			return u.State(), nil
		}}
}

// Orders: every order.
func (s States) Orders() StateTable[events.OrderState] {
	return StateTable[events.OrderState]{db: s.db, what: "orders", from: `SELECT ` + orderColumns + ` FROM orders`, key: "id",
		scan: func(rows *sql.Rows) (events.OrderState, error) {
			o, err := scanOrder(rows)
			if err != nil {
				return events.OrderState{}, err
			}
			return o.State(), nil
		}}
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

// Favorites: every (user, listing) pair, removed ones included, by its
// aggregate id (events.FavoriteID).
func (s States) Favorites() StateTable[events.FavoriteState] {
	return StateTable[events.FavoriteState]{db: s.db, what: "favorites", from: `SELECT ` + favoriteColumns + ` FROM favorites`, key: "id",
		scan: scanFavorite}
}

func scanFavorite(rows *sql.Rows) (events.FavoriteState, error) {
	var id, user, listing uuid.UUID
	var version int64
	var active bool
	var at time.Time
	if err := rows.Scan(&id, &user, &listing, &version, &active, &at); err != nil {
		return events.FavoriteState{}, err
	}
	f := command.NewFavorite(user, listing)
	f.Version, f.Active, f.At = version, active, at
	if f.ID != id {
		return events.FavoriteState{}, fmt.Errorf("favorite %s/%s: MySQL derives id %s, the platform %s (migration 00011 and events.FavoriteID disagree)",
			user, listing, id, f.ID)
	}
	return f.State(), nil
}

// ListingViews: every listing's view counter, by listing id.
func (s States) ListingViews() StateTable[events.ListingViewsState] {
	return StateTable[events.ListingViewsState]{db: s.db, what: "view counters",
		from: `SELECT listing_id, version, views FROM listing_views`, key: "listing_id",
		scan: func(rows *sql.Rows) (events.ListingViewsState, error) {
			var listing uuid.UUID
			var version, views int64
			if err := rows.Scan(&listing, &version, &views); err != nil {
				return events.ListingViewsState{}, err
			}
			c := command.NewViewCounter(listing)
			c.Version, c.Views = version, views
			return c.State(), nil
		}}
}

// Histories: every user's view history, by user id.
func (s States) Histories() StateTable[events.HistoryState] {
	return StateTable[events.HistoryState]{db: s.db, what: "view histories",
		from: `SELECT user_id, version, items FROM view_history`, key: "user_id",
		scan: func(rows *sql.Rows) (events.HistoryState, error) {
			h := &command.History{}
			if err := scanHistory(rows, h); err != nil {
				return events.HistoryState{}, err
			}
			return h.State(), nil
		}}
}

func idArgs(ids []uuid.UUID) []any {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id[:]
	}
	return args
}
