package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// raced explains a duplicate key as errRaced.
func raced(err error) error {
	if isDuplicate(err) {
		return fmt.Errorf("%w: %v", errRaced, err)
	}
	return nil
}

// FavoriteStore implements command.FavoriteStore.
type FavoriteStore struct{ w *CommandRunner }

// NewFavoriteStore returns a FavoriteStore writing through w.
func NewFavoriteStore(w *CommandRunner) FavoriteStore { return FavoriteStore{w: w} }

func (s FavoriteStore) Update(ctx context.Context, meta command.Meta, user, listing uuid.UUID,
	fn func(*command.Favorite, *command.Listing) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		rows, err := tx.Query(ctx, `SELECT version, active, favorited_at FROM favorites WHERE user_id = ? AND listing_id = ? FOR UPDATE;
			SELECT `+listingColumns+` FROM listings WHERE id = ?`, user[:], listing[:], listing[:])
		if err != nil {
			return change{}, fmt.Errorf("locking favorite %s/%s: %w", user, listing, err)
		}
		f, exists, l, err := favoriteAndListing(rows, user, listing)
		if err != nil {
			return change{}, fmt.Errorf("locking favorite %s/%s: %w", user, listing, err)
		}
		ev, err := fn(f, l)
		if err != nil || ev == "" {
			return change{result: command.Result{ID: f.ID, Version: f.Version}}, err
		}
		f.Version++
		if exists {
			tx.Exec(nil, `UPDATE favorites SET version = ?, active = ?, favorited_at = ? WHERE user_id = ? AND listing_id = ?`,
				f.Version, f.Active, f.At.UTC(), user[:], listing[:])
		} else {
			tx.Exec(raced, `INSERT INTO favorites (user_id, listing_id, version, active, favorited_at) VALUES (?, ?, ?, ?, ?)`,
				user[:], listing[:], f.Version, f.Active, f.At.UTC())
		}
		env, err := newEvent(ev, events.AggregateFavorite, f.ID, f.Version, f.State(), meta, s.w.now())
		if err != nil {
			return change{}, err
		}
		return change{result: command.Result{ID: f.ID, Version: f.Version}, events: []events.Envelope{env}}, nil
	})
}

func favoriteAndListing(rows *sql.Rows, user, listing uuid.UUID) (*command.Favorite, bool, *command.Listing, error) {
	defer rows.Close()
	f := command.NewFavorite(user, listing)
	exists := false
	for rows.Next() {
		if err := rows.Scan(&f.Version, &f.Active, &f.At); err != nil {
			return nil, false, nil, err
		}
		exists = true
	}
	if err := nextSet(rows, "the listing after the favorite"); err != nil {
		return nil, false, nil, err
	}
	var l *command.Listing
	for rows.Next() {
		var err error
		if l, err = scanListing(rows); err != nil {
			return nil, false, nil, err
		}
	}
	return f, exists, l, rows.Err()
}
