package apiserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/ops/deadletter"
	"github.com/zufang/rental/infra/ops/status"
	"github.com/zufang/rental/infra/system"
)

// Operations is what the operator page (/ops) reads and does: the status
// screen of `rentalctl status` and the dead letters of `rentalctl dlq`. Every
// method is for admins only and checks it itself, whatever the page did.
type Operations struct {
	cfg   status.Config
	queue *deadletter.Queue

	mu     sync.Mutex
	last   status.Report
	lastAt time.Time
}

// statusTTL is how long one collected status screen is shown again: the
// page refreshes itself every few seconds, and each collection opens
// connections to every node, so several operators watching share one.
const statusTTL = 2 * time.Second

// NewOperations returns the operator page's operations on b.
func NewOperations(b *system.Base) (*Operations, error) {
	q, err := deadletter.Open(b.Redis.Master, b.Cfg.Prefix, b.WMLog)
	if err != nil {
		return nil, err
	}
	return &Operations{cfg: status.ConfigOf(b.Cfg), queue: q}, nil
}

func requireAdmin(a rental.Actor) error {
	if !a.Has(rental.RoleAdmin) {
		return rental.Errorf(rental.EFORBIDDEN, "only an operator may see or act on the platform's status")
	}
	return nil
}

// Status collects the status screen (or returns the one collected less than
// statusTTL ago). Sources that cannot be read are reported in it, never as
// an error: the screen is most needed when something is down.
func (o *Operations) Status(ctx context.Context, a rental.Actor) (status.Report, error) {
	if err := requireAdmin(a); err != nil {
		return status.Report{}, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if time.Since(o.lastAt) < statusTTL {
		return o.last, nil
	}
	o.last, o.lastAt = status.Collect(ctx, o.cfg), time.Now()
	return o.last, nil
}

// DeadLetters returns up to limit dead letters after the id ("" = from the
// first, oldest first) and how many wait in all.
func (o *Operations) DeadLetters(ctx context.Context, a rental.Actor, after string, limit int) ([]deadletter.Entry, int64, error) {
	if err := requireAdmin(a); err != nil {
		return nil, 0, err
	}
	n, err := o.queue.Len(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("reading the dead letters: %w", err)
	}
	entries, err := o.queue.List(ctx, after, int64(limit))
	if err != nil {
		return nil, 0, fmt.Errorf("reading the dead letters: %w", err)
	}
	return entries, n, nil
}

// RetryDeadLetter sends a dead letter back to the stream it came from.
func (o *Operations) RetryDeadLetter(ctx context.Context, a rental.Actor, id string) (deadletter.Entry, error) {
	if err := requireAdmin(a); err != nil {
		return deadletter.Entry{}, err
	}
	e, err := o.queue.Retry(ctx, id)
	return e, deadLetterError(err, id)
}

// DropDeadLetter deletes a dead letter.
func (o *Operations) DropDeadLetter(ctx context.Context, a rental.Actor, id string) error {
	if err := requireAdmin(a); err != nil {
		return err
	}
	return deadLetterError(o.queue.Drop(ctx, id), id)
}

func deadLetterError(err error, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, deadletter.ErrNotFound):
		return rental.Errorf(rental.ENOTFOUND, "no dead letter %s (already retried or dropped?)", id)
	default:
		return fmt.Errorf("handling dead letter %s: %w", id, err)
	}
}
