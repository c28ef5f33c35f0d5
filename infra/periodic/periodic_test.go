package periodic_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zufang/rental/infra/periodic"
)

func TestRun_callsAtOnceThenEveryIntervalUntilTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int64
	done := make(chan struct{})
	go func() {
		periodic.Run(ctx, time.Millisecond, func(context.Context) {
			if calls.Add(1) == 3 {
				cancel()
			}
		})
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return once the context ended")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d calls, want 3 (the last one cancelled)", n)
	}

	// A context already ended: no call at all.
	calls.Store(0)
	periodic.Run(ctx, time.Hour, func(context.Context) { calls.Add(1) })
	if calls.Load() != 0 {
		t.Fatal("Run called fn with its context already ended")
	}

	// The first call does not wait for the interval.
	first := make(chan struct{})
	ctx2, cancel2 := context.WithCancel(context.Background())
	go periodic.Run(ctx2, time.Hour, func(context.Context) { close(first); cancel2() })
	select {
	case <-first:
	case <-time.After(10 * time.Second):
		t.Fatal("the first call waited for the interval")
	}
}
