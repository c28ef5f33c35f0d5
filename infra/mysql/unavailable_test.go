package mysql

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// When MySQL stays unreachable until the retries are spent, the command's
// outcome is unknown: the caller gets EUNAVAILABLE (503, retry with the same
// key), not an internal error (issue 13, api-cut-from-mysql).
func TestCommandRunner_retriesSpentOnAnUnreachableMySQLIsUnavailable(t *testing.T) {
	db, err := sql.Open("mysql", "root@tcp(127.0.0.1:1)/rental?timeout=200ms")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := NewCommandRunner(db, nil)
	w.backoff = Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond, Budget: 300 * time.Millisecond}
	_, err = w.run(context.Background(), command.Meta{Actor: rental.System, MayRepeat: true}, func(*Tx) (change, error) {
		t.Error("the command ran without a connection")
		return change{}, nil
	})
	if rental.ErrorCode(err) != rental.EUNAVAILABLE || rental.ErrorRetryAfter(err) <= 0 {
		t.Fatalf("got %v, want unavailable with a retry-after", err)
	}
}
