package relay

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Backlog returns the outbox rows not yet confirmed published and when the
// oldest was written (for metrics). outbox is small when the relay keeps up;
// it has no index on created_at, and needs none at that size.
func Backlog(db *sql.DB) func(ctx context.Context) (int64, time.Time, error) {
	return func(ctx context.Context) (int64, time.Time, error) {
		var rows int64
		var oldest sql.NullTime
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox`).Scan(&rows, &oldest); err != nil {
			return 0, time.Time{}, fmt.Errorf("reading the outbox backlog: %w", err)
		}
		return rows, oldest.Time, nil
	}
}
