package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/zufang/rental/infra/periodic"
)

// CommandRecords forgets command records older than a moment, at most limit
// at a time, and returns how many it forgot.
type CommandRecords interface {
	ForgetCommands(ctx context.Context, before time.Time, limit int) (int, error)
}

// ForgetCommands keeps command_dedup small: a command id makes a retry
// idempotent for Window (an Idempotency-Key is honoured that long), and
// nothing retries a command a day later. Every worker replica runs it; two
// deleting the same old rows is harmless. Deletes go in small batches so a
// large backlog never holds locks for long (and, on Galera, never makes one
// huge write set).
type ForgetCommands struct {
	Records  CommandRecords
	Window   time.Duration // default 24 hours
	Interval time.Duration // default 10 minutes
	Now      func() time.Time
	Log      *slog.Logger
}

// Run forgets old command records until ctx ends.
func (j ForgetCommands) Run(ctx context.Context) {
	forgetEvery(ctx, j.Interval, j.Log, "old command records", j.RunOnce)
}

// forgetEvery runs once every interval (default 10 minutes) until ctx ends;
// a failure is logged and tried again next time.
func forgetEvery(ctx context.Context, every time.Duration, log *slog.Logger, what string, once func(context.Context) (int, error)) {
	if every == 0 {
		every = 10 * time.Minute
	}
	periodic.Run(ctx, every, func(ctx context.Context) {
		if n, err := once(ctx); err != nil && ctx.Err() == nil {
			log.Warn("forgetting "+what+" failed; will retry", "err", err, "forgotten", n)
		}
	})
}

// RunOnce forgets every record older than the window and returns how many.
func (j ForgetCommands) RunOnce(ctx context.Context) (int, error) {
	now, window := time.Now, j.Window
	if j.Now != nil {
		now = j.Now
	}
	if window == 0 {
		window = 24 * time.Hour
	}
	return forgetInBatches(ctx, j.Records.ForgetCommands, now().UTC().Add(-window))
}

// forgetInBatches calls forget with batches of 1,000 until one forgets
// fewer, and returns how many it forgot in all.
func forgetInBatches(ctx context.Context, forget func(context.Context, time.Time, int) (int, error), before time.Time) (int, error) {
	forgotten := 0
	for {
		n, err := forget(ctx, before, 1000)
		forgotten += n
		if err != nil || n < 1000 {
			return forgotten, err
		}
	}
}
