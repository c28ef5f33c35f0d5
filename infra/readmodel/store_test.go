package readmodel_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/query"
)

var cat = rental.NewCatalog(
	[]rental.City{{Code: "beijing", Name: "北京", Districts: []rental.District{{Code: "haidian"}, {Code: "chaoyang"}}}},
	[]rental.Facility{{Code: "wifi", Position: 0}},
)

// newStore returns a store on the shared test Redis under a fresh prefix,
// with the listings read model built (an empty live generation).
func newStore(t *testing.T) *readmodel.Store {
	t.Helper()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	s := readmodel.New(rdb, rdb, testenv.Prefix(t, testenv.RedisAddr()), cat, testenv.Logger())
	ctx := context.Background()
	for _, p := range readmodel.Projections {
		gen, err := s.StartRebuild(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Switch(ctx, p, gen); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func listing(id uuid.UUID, version int64, price int64, district, status string) events.ListingState {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(version) * time.Minute)
	return events.ListingState{ID: id, Version: version, LandlordID: uuid.Nil, Status: status, Title: "t",
		City: "beijing", District: district, Price: price, RentType: "whole", Bedrooms: 2, CreatedAt: at, UpdatedAt: at, PublishedAt: &at}
}

func search(t *testing.T, s *readmodel.Store, f query.ListingFilter) []uuid.UUID {
	t.Helper()
	if f.Sort == "" {
		f.Sort = query.SortNewest
	}
	f.Page, f.PageSize = 1, 50
	ids, _, err := s.SearchListings(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestPut_duplicateAndOlderVersionsAreNoOps(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uuid.New()
	for _, step := range []struct {
		version int64
		price   int64
		applied bool
	}{{3, 3000, true}, {1, 1000, false}, {3, 9999, false}, {2, 2000, false}, {4, 4000, true}, {4, 4000, false}} {
		applied, err := s.PutListing(ctx, readmodel.Current, listing(id, step.version, step.price, "haidian", events.StatusPublished), nil)
		if err != nil {
			t.Fatal(err)
		}
		if applied != step.applied {
			t.Fatalf("v%d: applied %v, want %v", step.version, applied, step.applied)
		}
	}
	doc, err := s.Listing(ctx, id)
	if err != nil || doc.Version != 4 {
		t.Fatalf("highest version wins: %+v %v", doc, err)
	}
	if got := search(t, s, query.ListingFilter{PriceMin: 3500}); len(got) != 1 {
		t.Fatalf("the index follows the highest version (price 4000): %v", got)
	}
	if got := search(t, s, query.ListingFilter{PriceMax: 3500}); len(got) != 0 {
		t.Fatalf("older prices left the index: %v", got)
	}
}

func TestPut_indexMembershipMovesWithTheListing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id := uuid.New()
	mustPut(t, s, listing(id, 1, 3000, "haidian", events.StatusPublished))
	mustPut(t, s, listing(id, 2, 3000, "chaoyang", events.StatusPublished))
	if got := search(t, s, query.ListingFilter{City: "beijing", District: "haidian"}); len(got) != 0 {
		t.Fatalf("moved out of haidian: %v", got)
	}
	if got := search(t, s, query.ListingFilter{City: "beijing", District: "chaoyang"}); len(got) != 1 {
		t.Fatalf("moved into chaoyang: %v", got)
	}
	mustPut(t, s, listing(id, 3, 3000, "chaoyang", events.StatusUnpublished))
	if got := search(t, s, query.ListingFilter{City: "beijing"}); len(got) != 0 {
		t.Fatalf("unpublished listings are not searchable: %v", got)
	}
	mustPut(t, s, listing(id, 4, 3000, "chaoyang", events.StatusDeleted))
	doc, err := s.Listing(ctx, id)
	if err != nil || doc.Status != events.StatusDeleted {
		t.Fatalf("a deletion leaves a tombstone, not a miss: %+v %v", doc, err)
	}
	if applied, _ := s.PutListing(ctx, readmodel.Current, listing(id, 3, 3000, "chaoyang", events.StatusPublished), nil); applied {
		t.Fatal("a late older event must not resurrect a deleted listing")
	}
}

func TestRead_missingKeysAndUnbuiltModelsAreMisses(t *testing.T) {
	s := newStore(t)
	if _, err := s.Listing(context.Background(), uuid.New()); !errors.Is(err, query.ErrMiss) {
		t.Fatalf("a missing key is a miss: %v", err)
	}
	rdb := testenv.Redis(t, testenv.RedisAddr())
	unbuilt := readmodel.New(rdb, rdb, testenv.Prefix(t, testenv.RedisAddr()), cat, testenv.Logger())
	if _, _, err := unbuilt.SearchListings(context.Background(), query.ListingFilter{Sort: "new", Page: 1, PageSize: 10}); !errors.Is(err, query.ErrMiss) {
		t.Fatalf("search before the read model is built is a miss, never an empty answer: %v", err)
	}
}

// A generation whose layout this code does not read is searched by MySQL
// (a miss) until a replay: bitmaps-1 kept the listings' texts 512 a chunk,
// its orders and views as they are now.
func TestSearch_aGenerationOfAnotherLayoutIsAMiss(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	mustPut(t, s, listing(uuid.New(), 1, 3000, "haidian", events.StatusPublished))
	dated := query.ListingFilter{Sort: "new", Page: 1, PageSize: 10, From: time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		To: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)}
	mark := func(projection, layout string) {
		t.Helper()
		live, _, err := s.Generations(ctx, projection)
		if err != nil {
			t.Fatal(err)
		}
		if err := rdb.Set(ctx, s.Prefix()+"rm:"+projection+":"+live+":layout", layout, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	mark(readmodel.Orders, "bitmaps-1")
	if ids, _, err := s.SearchListings(ctx, dated); err != nil || len(ids) != 1 {
		t.Fatalf("orders of bitmaps-1 are read as they are: %v %v", ids, err)
	}
	mark(readmodel.Listings, "bitmaps-1")
	if _, _, err := s.SearchListings(ctx, dated); !errors.Is(err, query.ErrMiss) {
		t.Fatalf("listings of bitmaps-1 (texts 512 a chunk) are a miss: %v", err)
	}
}

func TestRebuild_writesDuringARebuildReachBothGenerations(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	old := uuid.New()
	mustPut(t, s, listing(old, 1, 3000, "haidian", events.StatusPublished))
	gen, err := s.StartRebuild(ctx, readmodel.Listings)
	if err != nil {
		t.Fatal(err)
	}
	live := uuid.New()
	mustPut(t, s, listing(live, 1, 3000, "haidian", events.StatusPublished)) // a worker write during the rebuild
	if got := search(t, s, query.ListingFilter{}); len(got) != 2 {
		t.Fatalf("the live generation keeps serving and takes new writes: %v", got)
	}
	// The replay writes the old event into the new generation only.
	if _, err := s.PutListing(ctx, gen, listing(old, 1, 3000, "haidian", events.StatusPublished), nil); err != nil {
		t.Fatal(err)
	}
	prev, err := s.Switch(ctx, readmodel.Listings, gen)
	if err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, query.ListingFilter{}); len(got) != 2 {
		t.Fatalf("the new generation has the replayed and the live write: %v", got)
	}
	if n, err := s.DropGeneration(ctx, readmodel.Listings, prev); err != nil || n == 0 {
		t.Fatalf("dropping the old generation: %d keys, %v", n, err)
	}
	if _, err := s.DropGeneration(ctx, readmodel.Listings, gen); err == nil {
		t.Fatal("the live generation must never be dropped")
	}
}

func mustPut(t *testing.T, s *readmodel.Store, st events.ListingState) {
	t.Helper()
	if _, err := s.PutListing(context.Background(), readmodel.Current, st, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRead_aFailedReplicaReadIsTriedOnTheMaster(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0") // the default waits 5 s before a first sync
	port := master.Addr[strings.LastIndex(master.Addr, ":")+1:]
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", port)
	mc := testenv.Redis(t, master.Addr)
	// Like the platform's replica client: short timeouts, no retries.
	rc := goredis.NewClient(&goredis.Options{Addr: replica.Addr, MaxRetries: -1, DialerRetries: 1,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond})
	t.Cleanup(func() { rc.Close() })
	ctx := context.Background()
	prefix := testenv.Name("t") + ":"
	s := readmodel.New(mc, rc, prefix, cat, testenv.Logger())
	for _, p := range readmodel.Projections {
		gen, err := s.StartRebuild(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Switch(ctx, p, gen); err != nil {
			t.Fatal(err)
		}
	}
	id := uuid.New()
	mustPut(t, s, listing(id, 1, 3000, "haidian", events.StatusPublished))
	testenv.Eventually(t, 10*time.Second, func() string {
		if doc, err := s.Listing(ctx, id); err != nil || doc.Version != 1 {
			return fmt.Sprintf("replica has not caught up: %+v %v", doc, err)
		}
		return ""
	})

	replica.Kill()
	if doc, err := s.Listing(ctx, id); err != nil || doc.Version != 1 {
		t.Fatalf("with the replica gone the master answers: %+v %v", doc, err)
	}
	if got := search(t, s, query.ListingFilter{City: "beijing"}); len(got) != 1 || got[0] != id {
		t.Fatalf("search falls back to the master too: %v", got)
	}
	if docs, err := s.Listings(ctx, []uuid.UUID{id}); err != nil || docs[0].Version != 1 {
		t.Fatalf("a page of documents falls back to the master: %+v %v", docs, err)
	}
	if ids, total, err := s.LandlordListings(ctx, uuid.Nil, 0, 10); err != nil || total != 1 || len(ids) != 1 {
		t.Fatalf("a landlord's listings fall back to the master: %v %d %v", ids, total, err)
	}

	single := readmodel.New(mc, rc, prefix, cat, testenv.Logger())
	single.SingleServer()
	if _, err := single.Listing(ctx, id); err == nil || errors.Is(err, query.ErrMiss) {
		t.Fatalf("two clients of one server: a failed read is an error for MySQL to answer, not retried: %v", err)
	}
}
