package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

func TestBackoff_retriesTransientErrorsUntilTheBudgetIsSpent(t *testing.T) {
	b := Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond, Budget: 100 * time.Millisecond}
	ctx := context.Background()

	tries := 0
	err := b.retry(ctx, func(attempt int) error {
		if attempt != tries {
			t.Fatalf("attempt %d, want %d", attempt, tries)
		}
		tries++
		if tries < 4 {
			return &mysql.MySQLError{Number: errWsrepNotReady}
		}
		return nil
	})
	if err != nil || tries != 4 {
		t.Fatalf("a transient error is retried until it succeeds: %d tries, %v", tries, err)
	}

	tries = 0
	err = b.retry(ctx, func(int) error { tries++; return driver.ErrBadConn })
	if !errors.Is(err, driver.ErrBadConn) || tries < 5 {
		t.Fatalf("a lasting transient error is retried, then returned: %d tries, %v", tries, err)
	}

	tries = 0
	permanent := &mysql.MySQLError{Number: errDuplicateKey}
	err = b.retry(ctx, func(int) error { tries++; return permanent })
	if !errors.Is(err, permanent) || tries != 1 {
		t.Fatalf("any other error ends the retries at once: %d tries, %v", tries, err)
	}
}
