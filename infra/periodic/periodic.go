// Package periodic runs background work on an interval: the jobs, the
// stream trimming, the outbox sweep and the worker's watchdog all loop the
// same way, so they share this one loop.
package periodic

import (
	"context"
	"time"
)

// Run calls fn at once and then every interval until ctx ends. fn reports
// its own failures (a loop has no one to return them to) and runs to its
// end before the next tick is taken: a slow round is never run twice at once.
func Run(ctx context.Context, interval time.Duration, fn func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if ctx.Err() != nil {
			return
		}
		fn(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
