package mysql_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/worker"
)

// LatestSeqs and ReadSeqs, replay's read of a log whose projections keep
// only the newest version, must return exactly the events Read returns when
// every type is superseded: each aggregate's newest version, in seq order,
// whatever part of the log is asked for (a resumed replay asks for a tail).
func TestEventLog_latestSeqsReadWhatReadSkippingSupersededReads(t *testing.T) {
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	types := []events.Type{events.ListingCreated, events.ListingUpdated, events.ListingPublished}
	ids := make([]uuid.UUID, 40)
	versions := make([]int64, len(ids))
	for i := range ids {
		ids[i] = rental.NewID()
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	// Versions of the aggregates interleaved in seq order, as commands write them.
	for range 300 {
		i := r.IntN(len(ids))
		versions[i]++
		if _, err := db.ExecContext(ctx, `INSERT INTO event_log (id, type, aggregate_type, aggregate_id, version, occurred_at, actor, correlation_id, payload)
			VALUES (?, ?, 'listing', ?, ?, ?, 'system', '', ?)`, eventID(), string(types[r.IntN(len(types))]), ids[i][:], versions[i], now,
			fmt.Sprintf(`{"v":%d}`, versions[i])); err != nil {
			t.Fatal(err)
		}
	}
	log := mysql.NewEventLog(db)
	last, err := log.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, after := range []int64{0, last / 3, last - 5, last} {
		want, err := log.Read(ctx, worker.LogQuery{After: after, UpTo: last, Limit: 1000, Superseded: types})
		if err != nil {
			t.Fatal(err)
		}
		seqs, err := log.LatestSeqs(ctx, after, last, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := log.ReadSeqs(ctx, seqs)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, want, func(a, b events.Envelope) bool {
			return a.Seq == b.Seq && a.ID == b.ID && a.Type == b.Type && a.AggregateID == b.AggregateID && a.Version == b.Version &&
				string(a.Payload) == string(b.Payload)
		}) {
			t.Fatalf("after %d: LatestSeqs+ReadSeqs read %d events, Read %d (%v against %v)", after, len(got), len(want), seqsOf(got), seqsOf(want))
		}
		if after == 0 && len(got) != len(ids) {
			t.Fatalf("the whole log holds %d aggregates, read %d newest events", len(ids), len(got))
		}
	}
}

func eventID() []byte {
	id := rental.NewID()
	return id[:]
}

func seqsOf(evs []events.Envelope) []int64 {
	out := make([]int64, len(evs))
	for i, e := range evs {
		out[i] = e.Seq
	}
	return out
}
