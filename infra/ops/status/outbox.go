package status

import (
	"context"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"

	rentalmysql "github.com/zufang/rental/infra/mysql"
)

// Outbox is the backlog of committed events not yet confirmed on Redis.
type Outbox struct {
	Rows int64 `json:"rows"`
	// OldestSeconds is the age of the oldest row (0 when empty). The sweep
	// takes rows older than a few seconds, so a growing age means nothing is
	// publishing: Redis unreachable, or no api or worker running.
	OldestSeconds float64 `json:"oldest_s"`
	Error         string  `json:"error,omitempty"`
}

// MaxOutboxAge is the oldest row age past which the screen calls it a problem.
const MaxOutboxAge = 30 * time.Second

func (o Outbox) problems() []string {
	switch {
	case o.Error != "":
		return []string{"outbox: unreadable: " + o.Error}
	case o.OldestSeconds > MaxOutboxAge.Seconds():
		return []string{fmt.Sprintf("outbox: %d rows, oldest %.0fs: nothing is publishing (Redis master reachable? an api or worker running?)",
			o.Rows, o.OldestSeconds)}
	}
	return nil
}

func readOutbox(ctx context.Context, dsn string) Outbox {
	var o Outbox
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		o.Error = fmt.Sprintf("parsing the writer DSN: %v", err)
		return o
	}
	cfg.Timeout, cfg.ReadTimeout = 2*time.Second, 3*time.Second
	db, err := openOne(cfg)
	if err != nil {
		o.Error = err.Error()
		return o
	}
	defer db.Close()
	rows, age, err := rentalmysql.OutboxBacklog(ctx, db)
	if err != nil {
		o.Error = err.Error()
	}
	o.Rows, o.OldestSeconds = rows, age.Seconds()
	return o
}
