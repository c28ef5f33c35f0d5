package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/go-sql-driver/mysql"
)

// Server error numbers worth another try: the same statement can succeed on
// the next attempt (or on another node behind the proxy).
const (
	errLockDeadlock  = 1213 // deadlock, and Galera/Group Replication certification failure
	errLockWait      = 1205 // lock wait timeout
	errWsrepNotReady = 1047 // Galera node not Primary ("WSREP has not yet prepared node")
	errGRConflict    = 3101 // Group Replication: plugin instructed the server to roll back
	errServerGone    = 1053 // server shutdown in progress
	errReadOnly      = 1290 // --read-only: a node that has just been demoted
	// errDuringCommit is "error during COMMIT": the transaction was rolled
	// back. Galera answers it when the node lost the Primary Component while
	// the commit replicated (retried only then, below).
	errDuringCommit = 1180
	errDuplicateKey = 1062
	errNoSuchTable  = 1146
)

// Transient reports whether err is worth retrying: a lost or refused
// connection, a deadlock or certification failure, or a node that is not
// (yet) Primary.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	// A network operation's timeout (a dial to a node cut off) also matches
	// context.DeadlineExceeded, so it is looked for first: it is worth a
	// retry, while the caller's own deadline is not (the retry loop stops
	// when ctx ends anyway).
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ne net.Error // context.DeadlineExceeded is one too, hence after it
	if errors.As(err, &ne) {
		return true
	}
	if errors.Is(err, errRaced) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errLockDeadlock, errLockWait, errWsrepNotReady, errGRConflict, errServerGone, errReadOnly:
			return true
		case errDuringCommit:
			// "Error while appending streaming replication fragment (provider
			// status: Not connected to Primary Component)": the write set was
			// never ordered, so nothing committed; the Primary Component is
			// back in seconds (make test-partitions, slow-redis-replica-and-galera3,
			// answered these 500).
			return strings.Contains(me.Message, "Primary Component")
		}
		return false
	}
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE)
}

// errRaced marks a write that lost a race on another connection or node: a
// row created at the same time, or the same aggregate version committed first
// (multi-primary). The command runs again on the new state; if it keeps
// losing until the retry budget is spent, the client gets a 409.
var errRaced = errors.New("raced with a concurrent write")

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == errDuplicateKey
}

// Backoff bounds the retries of one command by time, not by count: a
// transient error is retried with exponentially growing, jittered waits
// (Base doubling up to Max, each ±50%) until Budget has passed. Measured on
// the local cluster (docs/RELIABILITY.md): a killed Galera writer makes
// writes fail or stall for about 2.2 s (HAProxy noticing, Galera
// reconfiguring); a count of tries can run out inside that window when the
// jitter draws short waits, a time budget cannot.
type Backoff struct {
	Base   time.Duration
	Max    time.Duration
	Budget time.Duration
}

// DefaultBackoff is used when a store is given none.
var DefaultBackoff = Backoff{Base: 20 * time.Millisecond, Max: time.Second, Budget: 10 * time.Second}

// retry runs op until it succeeds, fails with a non-transient error, the
// budget is spent or ctx ends. op gets the attempt number (0 first).
func (b Backoff) retry(ctx context.Context, op func(attempt int) error) error {
	attempt := 0
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		err := op(attempt)
		attempt++
		if err != nil && !Transient(err) {
			return struct{}{}, backoff.Permanent(err)
		}
		return struct{}{}, err
	}, backoff.WithBackOff(&backoff.ExponentialBackOff{
		InitialInterval: b.Base, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: b.Max,
	}), backoff.WithMaxElapsedTime(b.Budget))
	return err
}
