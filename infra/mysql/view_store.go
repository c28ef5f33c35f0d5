package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// ViewStore implements command.ViewStore.
type ViewStore struct{ w *CommandRunner }

// NewViewStore returns a ViewStore writing through w.
func NewViewStore(w *CommandRunner) ViewStore { return ViewStore{w: w} }

// Record locks the counters and histories in id order (the command sorts
// them), then reads which of the users each listing counted already, in one
// round trip; rows that do not exist yet are inserted, and a batch that
// raced another to insert the same row runs again. The viewers are read
// after the counters are locked, so two batches that count the same viewer
// of a listing take turns (across Galera nodes, the loser's insert of the
// same viewer row fails certification and it runs again).
func (s ViewStore) Record(ctx context.Context, meta command.Meta, listings, users []uuid.UUID, since time.Time,
	fn func(map[uuid.UUID]*command.ViewCounter, map[uuid.UUID]*command.History) error) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		args := append(idArgs(listings), idArgs(users)...)
		args = append(append(append(args, idArgs(listings)...), date(since)), idArgs(users)...)
		rows, err := tx.Query(ctx, `SELECT listing_id, version, views FROM listing_views WHERE listing_id IN (`+placeholders(len(listings))+`)
			ORDER BY listing_id FOR UPDATE;
			SELECT user_id, version, items FROM view_history WHERE user_id IN (`+placeholders(len(users))+`) ORDER BY user_id FOR UPDATE;
			SELECT listing_id, day, user_id FROM listing_viewers WHERE listing_id IN (`+placeholders(len(listings))+`)
			AND day >= ? AND user_id IN (`+placeholders(len(users))+`) FOR UPDATE`, args...)
		if err != nil {
			return change{}, fmt.Errorf("locking view counters: %w", err)
		}
		counters, histories, err := countersAndHistories(rows, listings, users)
		if err != nil {
			return change{}, fmt.Errorf("locking view counters: %w", err)
		}
		counted, kept := map[uuid.UUID]bool{}, map[uuid.UUID]bool{} // rows that exist
		for id, c := range counters {
			counted[id] = c.Version > 0
		}
		for id, h := range histories {
			kept[id] = h.Version > 0
		}
		if err := fn(counters, histories); err != nil {
			return change{}, err
		}
		var evs []events.Envelope
		now := s.w.now()
		for _, id := range listings {
			env, err := saveCounter(tx, counters[id], counted[id], meta, now)
			if err != nil {
				return change{}, err
			}
			if env != nil {
				evs = append(evs, *env)
			}
		}
		for _, id := range users {
			env, err := saveHistory(tx, histories[id], kept[id], meta, now)
			if err != nil {
				return change{}, err
			}
			if env != nil {
				evs = append(evs, *env)
			}
		}
		return change{result: command.Result{Version: int64(len(evs))}, events: evs}, nil
	})
}

func (s ViewStore) UpdateHistory(ctx context.Context, meta command.Meta, user uuid.UUID, fn func(*command.History) error) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		rows, err := tx.Query(ctx, `SELECT user_id, version, items FROM view_history WHERE user_id = ? FOR UPDATE`, user[:])
		if err != nil {
			return change{}, fmt.Errorf("locking history of %s: %w", user, err)
		}
		h := command.NewHistory(user)
		err = func() error {
			defer rows.Close()
			for rows.Next() {
				if err := scanHistory(rows, h); err != nil {
					return err
				}
			}
			return rows.Err()
		}()
		if err != nil {
			return change{}, fmt.Errorf("locking history of %s: %w", user, err)
		}
		existed := h.Version > 0
		if err := fn(h); err != nil {
			return change{}, err
		}
		env, err := saveHistory(tx, h, existed, meta, s.w.now())
		if err != nil || env == nil {
			return change{result: command.Result{ID: h.ID, Version: h.Version}}, err
		}
		return change{result: command.Result{ID: h.ID, Version: h.Version}, events: []events.Envelope{*env}}, nil
	})
}

func (s ViewStore) UpdateCounter(ctx context.Context, meta command.Meta, listing uuid.UUID, fn func(*command.ViewCounter) error) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		rows, err := tx.Query(ctx, `SELECT listing_id, version, views FROM listing_views WHERE listing_id = ? FOR UPDATE`, listing[:])
		if err != nil {
			return change{}, fmt.Errorf("locking view counter of %s: %w", listing, err)
		}
		c := command.NewViewCounter(listing)
		err = func() error {
			defer rows.Close()
			return readCounters(rows, map[uuid.UUID]*command.ViewCounter{listing: c})
		}()
		if err != nil {
			return change{}, fmt.Errorf("locking view counter of %s: %w", listing, err)
		}
		existed := c.Version > 0
		if err := fn(c); err != nil {
			return change{}, err
		}
		env, err := saveCounter(tx, c, existed, meta, s.w.now())
		if err != nil || env == nil {
			return change{result: command.Result{ID: c.ID, Version: c.Version}}, err
		}
		return change{result: command.Result{ID: c.ID, Version: c.Version}, events: []events.Envelope{*env}}, nil
	})
}

// saveCounter queues the write of a changed view counter and returns its event (nil: unchanged).
func saveCounter(tx *Tx, c *command.ViewCounter, existed bool, meta command.Meta, now time.Time) (*events.Envelope, error) {
	if c.Event == "" {
		return nil, nil
	}
	c.Version++
	if existed {
		tx.Exec(nil, `UPDATE listing_views SET version = ?, views = ? WHERE listing_id = ?`, c.Version, c.Views, c.ListingID[:])
	} else {
		tx.Exec(raced, `INSERT INTO listing_views (listing_id, version, views) VALUES (?, ?, ?)`, c.ListingID[:], c.Version, c.Views)
	}
	if len(c.New) > 0 {
		args := make([]any, 0, 3*len(c.New))
		for _, v := range c.New {
			args = append(args, c.ListingID[:], date(v.Day), v.UserID[:])
		}
		tx.Exec(raced, `INSERT INTO listing_viewers (listing_id, day, user_id) VALUES `+
			strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", len(c.New)), ", "), args...)
	}
	env, err := newEvent(c.Event, events.AggregateListingViews, c.ID, c.Version, c.State(), meta, now)
	if err != nil {
		return nil, err
	}
	return &env, nil
}

// saveHistory queues the write of a changed history and returns its event (nil: unchanged).
func saveHistory(tx *Tx, h *command.History, existed bool, meta command.Meta, now time.Time) (*events.Envelope, error) {
	if h.Event == "" {
		return nil, nil
	}
	items, err := json.Marshal(h.Items)
	if err != nil {
		return nil, fmt.Errorf("encoding history of %s: %w", h.UserID, err)
	}
	h.Version++
	if existed {
		tx.Exec(nil, `UPDATE view_history SET version = ?, items = ? WHERE user_id = ?`, h.Version, items, h.UserID[:])
	} else {
		tx.Exec(raced, `INSERT INTO view_history (user_id, version, items) VALUES (?, ?, ?)`, h.UserID[:], h.Version, items)
	}
	env, err := newEvent(h.Event, events.AggregateViewHistory, h.ID, h.Version, h.State(), meta, now)
	if err != nil {
		return nil, err
	}
	return &env, nil
}

func countersAndHistories(rows *sql.Rows, listings, users []uuid.UUID) (map[uuid.UUID]*command.ViewCounter, map[uuid.UUID]*command.History, error) {
	defer rows.Close()
	counters := make(map[uuid.UUID]*command.ViewCounter, len(listings))
	for _, id := range listings {
		counters[id] = command.NewViewCounter(id)
	}
	histories := make(map[uuid.UUID]*command.History, len(users))
	for _, id := range users {
		histories[id] = command.NewHistory(id)
	}
	if err := readCounters(rows, counters); err != nil {
		return nil, nil, err
	}
	if err := nextSet(rows, "the histories after the counters"); err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		h := &command.History{}
		if err := scanHistory(rows, h); err != nil {
			return nil, nil, err
		}
		if have := histories[h.UserID]; have != nil {
			have.Version, have.Items = h.Version, h.Items
		}
	}
	if err := nextSet(rows, "the viewers after the histories"); err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var listing, user uuid.UUID
		var day time.Time
		if err := rows.Scan(&listing, &day, &user); err != nil {
			return nil, nil, err
		}
		if c := counters[listing]; c != nil {
			if c.Counted == nil {
				c.Counted = map[command.Viewer]bool{}
			}
			c.Counted[command.Viewer{UserID: user, Day: time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)}] = true
		}
	}
	return counters, histories, rows.Err()
}

// readCounters reads (listing_id, version, views) rows into the counters of those listings.
func readCounters(rows *sql.Rows, counters map[uuid.UUID]*command.ViewCounter) error {
	for rows.Next() {
		var id uuid.UUID
		var version, views int64
		if err := rows.Scan(&id, &version, &views); err != nil {
			return err
		}
		if c := counters[id]; c != nil {
			c.Version, c.Views = version, views
		}
	}
	return rows.Err()
}

func scanHistory(row scanner, h *command.History) error {
	var items []byte
	if err := row.Scan(&h.UserID, &h.Version, &items); err != nil {
		return err
	}
	h.ID = events.HistoryID(h.UserID)
	h.Items = []events.HistoryItem{}
	if err := json.Unmarshal(items, &h.Items); err != nil {
		return fmt.Errorf("decoding history of %s: %w", h.UserID, err)
	}
	return nil
}

// ForgetViewers deletes the counted viewers of days before before, at most limit.
func (s ViewStore) ForgetViewers(ctx context.Context, before time.Time, limit int) (int, error) {
	res, err := s.w.db.ExecContext(ctx, `DELETE FROM listing_viewers WHERE day < ? LIMIT ?`, date(before), limit)
	if err != nil {
		return 0, fmt.Errorf("forgetting listing viewers: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}
