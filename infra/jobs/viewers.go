package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/zufang/rental/events"
)

// ViewerRecords forgets which users a listing counted on days before a day.
type ViewerRecords interface {
	ForgetViewers(ctx context.Context, before time.Time, limit int) (int, error)
}

// ForgetViewers keeps listing_viewers small: a view counts once per viewer
// and day (command.ViewCounter.View), so only the days a batch of views can
// still name matter: today and, for a batch buffered over midnight,
// yesterday (China time). Every worker replica runs it; deletes go in small
// batches, as ForgetCommands' do.
type ForgetViewers struct {
	Records  ViewerRecords
	Interval time.Duration // default 10 minutes
	Now      func() time.Time
	Log      *slog.Logger
}

// Run forgets old viewers until ctx ends.
func (j ForgetViewers) Run(ctx context.Context) {
	forgetEvery(ctx, j.Interval, j.Log, "old listing viewers", j.RunOnce)
}

// RunOnce forgets the viewers of every day before yesterday and returns how many.
func (j ForgetViewers) RunOnce(ctx context.Context) (int, error) {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	return forgetInBatches(ctx, j.Records.ForgetViewers, events.Today(now()).AddDate(0, 0, -1))
}
