package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/zufang/rental/events"
)

// The outbox holds the event_log positions (seq) of committed events not yet
// confirmed on Redis. Every statement on it is in this file: a command adds
// its rows (insertOutbox, in the commit's round trip), the relay deletes what
// a replica holds (DeleteOutbox) and sweeps what a crash left
// (LockOutboxEvents), metrics and `rentalctl status` read the backlog
// (OutboxBacklog).

// insertOutbox follows each event's INSERT INTO event_log in the same
// transaction: LAST_INSERT_ID() is that event's seq.
const insertOutbox = "INSERT INTO outbox (seq, created_at) VALUES (LAST_INSERT_ID(), ?)"

// Execer is what both *sql.DB and *sql.Tx offer for a statement.
type Execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// DeleteOutbox deletes the outbox rows of seqs, in db (the pool, or the
// sweep's transaction that locked them).
func DeleteOutbox(ctx context.Context, db Execer, seqs []int64) error {
	list, err := json.Marshal(seqs)
	if err != nil {
		return fmt.Errorf("listing %d outbox rows: %w", len(seqs), err)
	}
	// The rows come from a JSON list joined to outbox by its key, not from
	// "seq IN (...)": outbox is nearly empty most of the time, and on such
	// statistics MariaDB deletes an IN list of 20 or more by scanning the
	// whole table, waiting on every row another relay has locked; two such
	// sweeps deadlocked (TestRelay_concurrentSweepsPublishEachRowOnce).
	// Joined, each row is one lookup of the primary key whatever the statistics.
	if _, err := db.ExecContext(ctx, `DELETE o FROM JSON_TABLE(?, '$[*]' COLUMNS (seq BIGINT UNSIGNED PATH '$')) AS j
		STRAIGHT_JOIN outbox o ON o.seq = j.seq`, string(list)); err != nil {
		return fmt.Errorf("deleting %d outbox rows: %w", len(seqs), err)
	}
	return nil
}

// LockOutboxEvents locks, in tx, up to limit outbox rows written before
// olderThan, in seq order, and returns their events. Rows another
// transaction holds are skipped (FOR UPDATE SKIP LOCKED), so any number of
// relays can sweep at once.
func LockOutboxEvents(ctx context.Context, tx *sql.Tx, olderThan time.Time, limit int) ([]events.Envelope, error) {
	rows, err := tx.QueryContext(ctx, `SELECT e.seq, e.id, e.type, e.aggregate_type, e.aggregate_id, e.version,
		e.occurred_at, e.actor, e.correlation_id, e.payload
		FROM outbox o JOIN event_log e ON e.seq = o.seq
		WHERE o.created_at < ? ORDER BY o.seq LIMIT ? FOR UPDATE SKIP LOCKED`, olderThan, limit)
	if err != nil {
		return nil, fmt.Errorf("reading outbox: %w", err)
	}
	return ScanEnvelopes(rows)
}

// OutboxBacklog returns the outbox rows not yet confirmed published and the
// age of the oldest (0 when empty). The age is computed by the server, so a
// connection opened without parseTime (`rentalctl status`) reads it too.
// outbox is small when the relay keeps up; it has no index on created_at,
// and needs none at that size.
func OutboxBacklog(ctx context.Context, db *sql.DB) (rows int64, oldest time.Duration, err error) {
	var seconds float64
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), UTC_TIMESTAMP(6)), 0) / 1e6 FROM outbox`).Scan(&rows, &seconds); err != nil {
		return 0, 0, fmt.Errorf("reading the outbox backlog: %w", err)
	}
	return rows, time.Duration(seconds * float64(time.Second)), nil
}
