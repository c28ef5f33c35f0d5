package readmodel_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
)

// generation returns every key of a generation of the listings read model
// with its content, named without the generation, so two compare. bmv (the
// bitmaps' change counters, bumped only in the live generation) is left out,
// and so is a bitmap with no bit set.
func generation(t *testing.T, rdb *goredis.Client, s *readmodel.Store, gen string) map[string]string {
	t.Helper()
	ctx := context.Background()
	base := s.Prefix() + "rm:" + readmodel.Listings + ":" + gen + ":"
	out := map[string]string{}
	iter := rdb.Scan(ctx, 0, base+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key, name := iter.Val(), strings.TrimPrefix(iter.Val(), base)
		switch rdb.Type(ctx, key).Val() {
		case "hash":
			if name != "bmv" {
				out[name] = fmt.Sprint(rdb.HGetAll(ctx, key).Val())
			}
		case "zset":
			out[name] = fmt.Sprint(rdb.ZRangeWithScores(ctx, key, 0, -1).Val())
		case "string":
			// A bitmap whose bits were all cleared again reads as none.
			if v := rdb.Get(ctx, key).Val(); strings.Trim(v, "\x00") != "" {
				out[name] = fmt.Sprintf("%q", v)
			}
		default:
			out[name] = rdb.Type(ctx, key).Val()
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRebuildBatch_writesWhatPutWritesAndLeavesHeldDocumentsToPut writes the
// same listings into two new generations, one through put.lua and one
// through a rebuild batch (fresh.lua), and requires the same keys with the
// same content: documents, index entries, bitmaps, texts and the counted
// entries, which fresh.lua sums per call. In the second generation some
// listings are already there, at an older or a newer version, as a worker
// writing during the rebuild leaves them: the compare-and-set still decides.
func TestRebuildBatch_writesWhatPutWritesAndLeavesHeldDocumentsToPut(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	s := newStore(t)
	var states []events.ListingState
	landlord := uuid.New()
	for i := range 400 { // more than a chunk of texts (textChunk) are published
		st := listing(uuid.New(), 3, int64(1000+37*i), []string{"haidian", "chaoyang"}[i%2],
			[]string{events.StatusPublished, events.StatusPublished, events.StatusDraft, events.StatusDeleted}[i%4])
		st.LandlordID = landlord
		st.Title = fmt.Sprintf("title %d", i%7)
		st.Community = []string{"", "amber", "birch"}[i%3]
		st.Block = []string{"north", ""}[i%2]
		st.Bookings = int64(i % 5)
		st.AreaSqm = float64(30 + i%40)
		if i%3 == 0 {
			st.Facilities = []string{"wifi"}
		}
		states = append(states, st)
	}
	older, newer := states[0], states[4]
	older.Version, newer.Version = 1, 9
	older.Price, newer.Price = 99, 77

	build := func(batch func() (*readmodel.Store, func(context.Context) error), held ...events.ListingState) string {
		return rebuildThrough(t, s, batch, held, states)
	}
	viaPut := build(s.Batch)
	// The newer version held stays; put.lua's version of the listing is the same.
	if _, err := s.PutListing(ctx, viaPut, newer, nil); err != nil {
		t.Fatal(err)
	}
	viaFresh := build(s.RebuildBatch, older, newer)

	want, got := generation(t, rdb, s, viaPut), generation(t, rdb, s, viaFresh)
	var diff []string
	for k, v := range want {
		if got[k] != v {
			diff = append(diff, fmt.Sprintf("%s: put.lua %s, rebuild batch %s", k, v, got[k]))
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok {
			diff = append(diff, fmt.Sprintf("%s: only in the rebuild batch's generation: %s", k, v))
		}
	}
	sort.Strings(diff)
	if len(diff) > 0 {
		t.Fatalf("%d keys differ (of %d), first: %s", len(diff), len(want), strings.Join(diff[:min(5, len(diff))], "\n"))
	}
	if len(want) < 20 {
		t.Fatalf("only %d keys written: the test proves little", len(want))
	}
}

// TestRebuildBatch_aListingTwiceInOneBatchEndsAsItsLaterVersion replays
// every version of some listings in one batch (a replay that applies
// superseded events does): the rebuilt generation must hold each at its last
// version with only that version's entries and counts, as put.lua leaves it.
func TestRebuildBatch_aListingTwiceInOneBatchEndsAsItsLaterVersion(t *testing.T) {
	rdb := testenv.Redis(t, testenv.RedisAddr())
	s := newStore(t)
	var history []events.ListingState // each listing's versions, in order
	for i := range 30 {
		id := uuid.New()
		for v := int64(1); v <= 3; v++ {
			st := listing(id, v, int64(1000+100*i)+7*v, []string{"haidian", "chaoyang"}[int(v)%2], events.StatusPublished)
			st.Title = fmt.Sprintf("title %d", v)
			st.Bookings = v
			history = append(history, st)
		}
	}
	build := func(batch func() (*readmodel.Store, func(context.Context) error)) string {
		return rebuildThrough(t, s, batch, nil, history)
	}
	want, got := generation(t, rdb, s, build(s.Batch)), generation(t, rdb, s, build(s.RebuildBatch))
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: put.lua %s, rebuild batch %s", k, v, got[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: only in the rebuild batch's generation", k)
		}
	}
}

// rebuildThrough builds a new listings generation: held written first as a
// worker would into the current one, then states through a batch of batch
// (put.lua's or the rebuild's), and switches to it.
func rebuildThrough(t *testing.T, s *readmodel.Store, batch func() (*readmodel.Store, func(context.Context) error), held, states []events.ListingState) string {
	t.Helper()
	ctx := context.Background()
	gen, err := s.StartRebuild(ctx, readmodel.Listings)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range held { // a worker's writes, before the replay's
		if _, err := s.PutListing(ctx, readmodel.Current, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	b, flush := batch()
	for _, st := range states {
		if _, err := b.PutListing(ctx, gen, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Switch(ctx, readmodel.Listings, gen); err != nil {
		t.Fatal(err)
	}
	return gen
}
