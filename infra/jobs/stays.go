// Package jobs runs the platform's periodic work in the worker: commands the
// platform itself issues when time passes.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/periodic"
)

// DueStays finds the paid orders whose stay ended on or before a day.
type DueStays interface {
	DueStays(ctx context.Context, day time.Time, limit int) ([]uuid.UUID, error)
}

// Stays moves paid orders whose stay is over to wait_comment, every
// Interval. This is a periodic job rather than a transition computed when an
// order is read because the status is in read models (a landlord's list of
// orders by status, the tenant's): only an event can change them, and an
// event needs a command. Every worker replica runs it; two replicas ending
// the same stay run the same command id, so it applies once.
type Stays struct {
	Due      DueStays
	End      rental.Handler[command.EndStay, command.Result]
	Interval time.Duration // default 1 minute
	Now      func() time.Time
	Log      *slog.Logger
}

// endStaySpace names the command ids of EndStay: one per order.
var endStaySpace = uuid.MustParse("3f0d3f53-1c5e-4d37-9b4b-2f6a8e1c7d20")

// Run ends due stays until ctx ends.
func (j Stays) Run(ctx context.Context) {
	every := j.Interval
	if every == 0 {
		every = time.Minute
	}
	periodic.Run(ctx, every, func(ctx context.Context) {
		if n, err := j.RunOnce(ctx); err != nil && ctx.Err() == nil {
			j.Log.Warn("ending stays failed; will retry", "err", err, "ended", n)
		}
	})
}

// RunOnce ends every stay due now and returns how many it ended.
func (j Stays) RunOnce(ctx context.Context) (int, error) {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	ended := 0
	for {
		ids, err := j.Due.DueStays(ctx, events.Today(now()), 500)
		if err != nil || len(ids) == 0 {
			return ended, err
		}
		conflicts := 0
		for _, id := range ids {
			meta := command.Meta{Actor: rental.System, CommandID: uuid.NewSHA1(endStaySpace, id[:]), MayRepeat: true}
			_, err := j.End.Handle(ctx, command.EndStay{Meta: meta, OrderID: id})
			switch {
			case rental.ErrorCode(err) == rental.ECONFLICT:
				conflicts++ // changed meanwhile; the next round sees it
			case err != nil:
				return ended, err
			default:
				ended++
			}
		}
		if len(ids) < 500 || conflicts > 0 {
			return ended, nil
		}
	}
}
