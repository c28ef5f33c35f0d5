package mysql

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/zufang/rental/events"
)

// EventLog reads event_log for replay and checks.
type EventLog struct{ db *sql.DB }

// NewEventLog reads from db. Give it the writer: a replay must see every
// committed event, and a lagging reader might not have it yet.
func NewEventLog(db *sql.DB) EventLog { return EventLog{db: db} }

func (l EventLog) Read(ctx context.Context, after int64, limit int, types []events.Type) ([]events.Envelope, error) {
	q := `SELECT seq, id, type, aggregate_type, aggregate_id, version, occurred_at, actor, correlation_id, payload
		FROM event_log WHERE seq > ?`
	args := []any{after}
	if len(types) > 0 {
		q += ` AND type IN (` + placeholders(len(types)) + `)`
		for _, t := range types {
			args = append(args, string(t))
		}
	}
	q += ` ORDER BY seq LIMIT ?`
	args = append(args, limit)
	rows, err := l.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("reading event_log: %w", err)
	}
	return ScanEnvelopes(rows)
}

func (l EventLog) LastSeq(ctx context.Context) (int64, error) {
	var seq sql.NullInt64
	if err := l.db.QueryRowContext(ctx, `SELECT MAX(seq) FROM event_log`).Scan(&seq); err != nil {
		return 0, fmt.Errorf("reading event_log size: %w", err)
	}
	return seq.Int64, nil
}

// ScanEnvelopes reads event_log rows (seq, id, type, aggregate_type,
// aggregate_id, version, occurred_at, actor, correlation_id, payload) and closes rows.
func ScanEnvelopes(rows *sql.Rows) ([]events.Envelope, error) {
	defer rows.Close()
	var out []events.Envelope
	for rows.Next() {
		var e events.Envelope
		var typ string
		var payload []byte
		if err := rows.Scan(&e.Seq, &e.ID, &typ, &e.AggregateType, &e.AggregateID, &e.Version,
			&e.OccurredAt, &e.Actor, &e.CorrelationID, &payload); err != nil {
			return nil, fmt.Errorf("reading event_log: %w", err)
		}
		e.Type, e.Payload = events.Type(typ), payload
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading event_log: %w", err)
	}
	return out, nil
}
