package views

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// recorder remembers every RecordViews it gets and fails the first fail calls.
type recorder struct {
	mu    sync.Mutex
	fail  int
	calls []command.RecordViews
}

func (r *recorder) Handle(_ context.Context, cmd command.RecordViews) (command.Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, cmd)
	if len(r.calls) <= r.fail {
		return command.Result{}, errors.New("mysql away")
	}
	return command.Result{}, nil
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestBuffer_recordsInBatchesOfAtMostBatch(t *testing.T) {
	r := &recorder{}
	b := New(Config{Batch: 3}, r, quiet())
	for range 7 {
		b.Viewed(uuid.New(), uuid.New())
	}
	b.Flush(context.Background())
	if len(r.calls) != 3 || len(r.calls[0].Views) != 3 || len(r.calls[2].Views) != 1 {
		t.Fatalf("7 views in batches of 3: %d calls", len(r.calls))
	}
	for _, c := range r.calls {
		if !c.Actor.Has(rental.RoleAdmin) || c.CommandID == uuid.Nil {
			t.Fatalf("batches are platform commands with an id: %+v", c.Meta)
		}
	}
	if rec, dropped := b.Stats(); rec != 7 || dropped != 0 {
		t.Fatalf("recorded %d, dropped %d", rec, dropped)
	}
}

func TestBuffer_aRetriedBatchKeepsItsCommandID(t *testing.T) {
	r := &recorder{fail: 2}
	b := New(Config{}, r, quiet())
	b.Viewed(uuid.New(), uuid.New())
	b.Flush(context.Background())
	if len(r.calls) != 3 {
		t.Fatalf("two failures, then success: %d calls", len(r.calls))
	}
	if r.calls[1].CommandID != r.calls[0].CommandID || r.calls[2].CommandID != r.calls[0].CommandID || !r.calls[2].MayRepeat {
		t.Fatal("a retry must carry the first try's command id and say it may repeat, so a lost acknowledgement never counts twice")
	}
}

func TestBuffer_dropsWhenFullAndNeverBlocks(t *testing.T) {
	r := &recorder{fail: 100}
	b := New(Config{Pending: 5, Retries: 1}, r, quiet())
	done := make(chan struct{})
	go func() {
		for range 10 {
			b.Viewed(uuid.New(), uuid.New())
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Viewed blocked")
	}
	b.Flush(context.Background())
	if rec, dropped := b.Stats(); rec != 0 || dropped != 10 {
		t.Fatalf("5 dropped when full, 5 when recording failed: recorded %d, dropped %d", rec, dropped)
	}
}
