package mysql

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

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
	errDuplicateKey  = 1062
)

// Transient reports whether err is worth retrying: a lost or refused
// connection, a deadlock or certification failure, or a node that is not
// (yet) Primary.
func Transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, errRaced) {
		return true
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case errLockDeadlock, errLockWait, errWsrepNotReady, errGRConflict, errServerGone, errReadOnly:
			return true
		}
		return false
	}
	var ne net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, mysql.ErrInvalidConn) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == errDuplicateKey
}

// Backoff bounds the retries of one command: about 6 s in all, which covers a
// proxy noticing a dead writer (about 2 s) and Galera's own reconfiguration.
type Backoff struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// DefaultBackoff is used when a store is given none.
var DefaultBackoff = Backoff{Attempts: 10, Base: 20 * time.Millisecond, Max: time.Second}

// retry runs op until it succeeds, fails with a non-transient error, or the
// attempts run out. Waits grow exponentially with full jitter.
func (b Backoff) retry(ctx context.Context, op func(attempt int) error) error {
	var err error
	for attempt := 0; attempt < b.Attempts; attempt++ {
		if err = op(attempt); err == nil || !Transient(err) {
			return err
		}
		wait := b.Base << attempt
		if wait > b.Max || wait <= 0 {
			wait = b.Max
		}
		wait = time.Duration(rand.Int64N(int64(wait)) + 1)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
	return err
}
