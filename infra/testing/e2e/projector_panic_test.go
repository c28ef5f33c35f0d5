package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/worker"
)

// panicOn is the real read models with a projector bug: writing a listing
// titled title panics.
type panicOn struct {
	worker.ReadModels
	title string
}

func (p panicOn) PutListing(ctx context.Context, gen string, st events.ListingState, doc []byte) (bool, error) {
	if st.Title == p.title {
		panic("projector bug on " + st.ID.String())
	}
	return p.ReadModels.PutListing(ctx, gen, st, doc)
}

// A projector that panics on an event does not kill the worker, nor is the
// event retried forever: Recoverer turns the panic into an error, which is
// permanent, so PoisonQueue parks the event on the dead-letter stream with
// the panic as its reason, and the events after it apply.
func TestDeadLetters_aProjectorPanicParksTheEventAndTheWorkerGoesOn(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	base := sys.Open()
	w, err := system.NewWorker(base)
	if err != nil {
		t.Fatal(err)
	}
	w.Projectors = worker.NewProjectors(panicOn{ReadModels: base.RM, title: "炸"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; base.Close() })

	landlord, _ := sys.Register("panic@example.com", "landlord")
	boom := landlord.Must(http.StatusCreated, "POST", "/listings", flat("炸", 3000))["id"].(string)
	fine := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Fine", 3000))["id"].(string)

	q, err := ops.DeadLetters(base)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 15*time.Second, func() string {
		if n, err := q.Len(ctx); err != nil || n != 1 {
			return fmt.Sprintf("%d dead letters (%v), want the panicked event", n, err)
		}
		return ""
	})
	entries, err := q.List(ctx, "", 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("list: %v %v", entries, err)
	}
	e := entries[0]
	if e.Event == nil || e.Event.AggregateID.String() != boom || e.Event.Type != events.ListingCreated {
		t.Fatalf("the parked letter is the event the projector panicked on: %+v", e)
	}
	if !strings.Contains(e.Reason, "panic") || !strings.Contains(e.Reason, "projector bug on "+boom) ||
		!strings.Contains(e.Handler, "listing-projector") {
		t.Fatalf("the letter names the panic and the handler: reason %q handler %q", e.Reason, e.Handler)
	}
	// The worker is alive: the other listing, and the next version of the
	// one it panicked on, are projected.
	waitVersion(t, landlord, fine, 1)
	res := landlord.Must(http.StatusOK, "PATCH", "/listings/"+boom, map[string]any{"title": "Fixed"})
	if doc := waitVersion(t, landlord, boom, res["version"].(float64)); doc["title"] != "Fixed" {
		t.Fatalf("after the panic the listing's next event applies: %v", doc)
	}
	if n, _ := q.Len(ctx); n != 1 {
		t.Fatalf("only the panicked event is parked, %d letters", n)
	}
}
