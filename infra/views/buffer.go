// Package views adapts the RecordViews command to the query side's
// ViewRecorder: the api notes every view in memory and records them in
// batches, through the command, off the request path. A view costs a
// request an append under a mutex; the write happens in the background.
package views

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// Config tunes a Buffer. Zero values take the defaults.
type Config struct {
	Every   time.Duration // longest wait before a batch is recorded (default 100 ms)
	Batch   int           // views per command (default 500, at most command.MaxViewBatch)
	Pending int           // views held at most; more are dropped and counted (default 100000)
	Retries int           // tries of one batch before it is dropped (default 3)
}

func (c *Config) defaults() {
	if c.Every == 0 {
		c.Every = 100 * time.Millisecond
	}
	if c.Batch <= 0 || c.Batch > command.MaxViewBatch {
		c.Batch = 500
	}
	if c.Pending == 0 {
		c.Pending = 100000
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
}

// Buffer collects views and records them in batches. Run must be running
// for anything to be recorded.
type Buffer struct {
	cfg    Config
	record rental.Handler[command.RecordViews, command.Result]
	now    func() time.Time
	log    *slog.Logger

	mu      sync.Mutex
	pending []command.View
	kick    chan struct{}

	recorded, dropped atomic.Uint64
}

// New returns a buffer recording through record.
func New(cfg Config, record rental.Handler[command.RecordViews, command.Result], log *slog.Logger) *Buffer {
	cfg.defaults()
	return &Buffer{cfg: cfg, record: record, now: time.Now, log: log.With("component", "views"), kick: make(chan struct{}, 1)}
}

// Viewed notes a view; it never blocks. When the buffer is full (MySQL away
// for long) the view is dropped: counts are a measure, not a ledger.
func (b *Buffer) Viewed(listing, user uuid.UUID) {
	b.mu.Lock()
	if len(b.pending) >= b.cfg.Pending {
		b.mu.Unlock()
		b.dropped.Add(1)
		return
	}
	b.pending = append(b.pending, command.View{ListingID: listing, UserID: user, At: b.now()})
	full := len(b.pending) >= b.cfg.Batch
	b.mu.Unlock()
	if full {
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
}

// Stats returns how many views were recorded and dropped so far.
func (b *Buffer) Stats() (recorded, dropped uint64) { return b.recorded.Load(), b.dropped.Load() }

// Run records batches until ctx ends, then records what is left (for up to
// five seconds).
func (b *Buffer) Run(ctx context.Context) {
	t := time.NewTicker(b.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			b.Flush(last)
			return
		case <-t.C:
		case <-b.kick:
		}
		b.Flush(ctx)
	}
}

// Flush records every view noted so far.
func (b *Buffer) Flush(ctx context.Context) {
	b.mu.Lock()
	views := b.pending
	b.pending = nil
	b.mu.Unlock()
	for len(views) > 0 {
		n := min(len(views), b.cfg.Batch)
		b.send(ctx, views[:n])
		views = views[n:]
	}
}

// send records one batch. A retry carries the same command id, so a batch
// whose commit was acknowledged too late is not counted twice.
func (b *Buffer) send(ctx context.Context, batch []command.View) {
	meta := command.Meta{Actor: rental.System, CommandID: rental.NewID()}
	var err error
	for attempt := range b.cfg.Retries {
		if attempt > 0 {
			meta.MayRepeat = true
			select {
			case <-ctx.Done():
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if _, err = b.record.Handle(ctx, command.RecordViews{Meta: meta, Views: batch}); err == nil {
			b.recorded.Add(uint64(len(batch)))
			return
		}
		if ctx.Err() != nil {
			break
		}
	}
	b.dropped.Add(uint64(len(batch)))
	b.log.Warn("recording views failed; dropped", "views", len(batch), "err", err)
}
