package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// History writes aggregates and their events in bulk, bypassing the command
// path: benchmarks need an event_log of a million events in a minute, not the
// hours a million commands take. The rows are what the command path writes
// (same columns, same encoding), without outbox rows: nothing is waiting to be
// published. Never use it to change a running platform.
type History struct {
	db  *sql.DB
	cat *rental.Catalog
}

// NewHistory writes through db (the writer).
func NewHistory(db *sql.DB, cat *rental.Catalog) History { return History{db: db, cat: cat} }

// rowsPerInsert keeps a multi-row INSERT well under max_allowed_packet and
// the 65,535 placeholders a statement may have.
const rowsPerInsert = 500

// Append inserts users and listings in their final state and the events that
// led there, in the order given (which becomes their seq order), in one
// transaction.
func (h History) Append(ctx context.Context, users []*command.User, listings []*command.Listing, evs []events.Envelope) error {
	tx, err := h.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a history batch: %w", err)
	}
	defer tx.Rollback()
	userRow := func(u *command.User) ([]any, error) {
		return []any{u.ID[:], u.Version, nullString(u.Email), nullString(u.Mobile), u.PasswordHash, u.MustResetPassword,
			u.Nickname, joinRoles(u.Roles), u.CreatedAt, u.UpdatedAt}, nil
	}
	listingRow := func(l *command.Listing) ([]any, error) {
		args, err := listingArgs(l, h.cat)
		return append([]any{l.ID[:]}, args...), err
	}
	eventRow := func(e events.Envelope) ([]any, error) {
		return []any{e.ID[:], string(e.Type), e.AggregateType, e.AggregateID[:], e.Version, e.OccurredAt, e.Actor,
			e.CorrelationID, []byte(e.Payload)}, nil
	}
	if err := insertRows(ctx, tx, `INSERT INTO users (`+userColumns+`) VALUES `, 10, users, userRow); err != nil {
		return fmt.Errorf("inserting users: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO listings (`+listingInsertColumns+`) VALUES `,
		strings.Count(listingInsertColumns, ",")+1, listings, listingRow); err != nil {
		return fmt.Errorf("inserting listings: %w", err)
	}
	if err := insertRows(ctx, tx, `INSERT INTO event_log (id, type, aggregate_type, aggregate_id, version, occurred_at,
		actor, correlation_id, payload) VALUES `, 9, evs, eventRow); err != nil {
		return fmt.Errorf("inserting events: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing a history batch: %w", err)
	}
	return nil
}

func insertRows[T any](ctx context.Context, tx *sql.Tx, insert string, columns int, items []T, row func(T) ([]any, error)) error {
	tuple := "(" + placeholders(columns) + ")"
	for len(items) > 0 {
		n := min(len(items), rowsPerInsert)
		args := make([]any, 0, n*columns)
		for _, it := range items[:n] {
			r, err := row(it)
			if err != nil {
				return err
			}
			args = append(args, r...)
		}
		q := insert + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",")
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}
