package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
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

// A dial that times out (a node cut off: its packets dropped) is transient,
// although Go's net timeout also matches context.DeadlineExceeded; the
// caller's own deadline or cancellation is not.
func TestTransient_aNetworkTimeoutIsTransientTheCallersDeadlineIsNot(t *testing.T) {
	var dialer net.Dialer
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	// 192.0.2.0/24 is never routed; the context has already ended, so no
	// packet leaves: the dial fails at once with a net timeout.
	_, dialErr := dialer.DialContext(ctx, "tcp", "192.0.2.1:3306")
	var ne net.Error
	if !errors.As(dialErr, &ne) || !errors.Is(dialErr, context.DeadlineExceeded) {
		t.Fatalf("setup: want a net timeout that matches DeadlineExceeded, got %#v", dialErr)
	}
	wrapped := fmt.Errorf("looking up command: %w", dialErr)
	for _, c := range []struct {
		err  error
		want bool
	}{
		{wrapped, true},
		{context.DeadlineExceeded, false},
		{fmt.Errorf("querying: %w", context.Canceled), false},
		{driver.ErrBadConn, true},
		{&mysql.MySQLError{Number: 1213}, true},
		{&mysql.MySQLError{Number: 1062}, false},
		// A commit on a Galera node that lost the Primary Component: rolled
		// back, worth another try; another 1180 (say, a full disk) is not.
		{&mysql.MySQLError{Number: 1180, Message: "Error while appending streaming replication fragment(provider status: Not connected to Primary Component)"}, true},
		{&mysql.MySQLError{Number: 1180, Message: "Got error 28 \"No space left on device\" during COMMIT"}, false},
	} {
		if got := Transient(c.err); got != c.want {
			t.Errorf("Transient(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
