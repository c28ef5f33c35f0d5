package e2e

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/worker"
)

// publishListings creates and publishes n listings and returns their ids.
func publishListings(t *testing.T, c *testenv.Client, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		body := flat(fmt.Sprintf("R%02d", i), 3000+i*10)
		body["district"] = []string{"haidian", "chaoyang"}[i%2]
		ids[i] = c.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
		c.Must(http.StatusOK, "POST", "/listings/"+ids[i]+"/publish", nil)
	}
	return ids
}

func waitClean(t *testing.T, base *system.Base) {
	t.Helper()
	testenv.Eventually(t, 15*time.Second, func() string {
		r, err := check.Run(context.Background(), base.RM, ops.Checkers(base), check.Options{})
		if err != nil {
			return err.Error()
		}
		if !r.Clean() {
			return fmt.Sprintf("%d differences, first %+v", len(r.Differences), r.Differences[0])
		}
		return ""
	})
}

// dump returns every key of a projection's live generation with its content,
// keyed without the prefix and generation, so two generations compare.
func dump(t *testing.T, rdb *goredis.Client, rm *readmodel.Store, projection string) map[string]string {
	t.Helper()
	ctx := context.Background()
	gen, _, err := rm.Generations(ctx, projection)
	if err != nil || gen == readmodel.NoGeneration {
		t.Fatalf("no live generation of %s: %v", projection, err)
	}
	base := rm.Prefix() + "rm:" + projection + ":" + gen + ":"
	out := map[string]string{}
	bits := map[string][]string{} // bitmap → the listings it holds
	iter := rdb.Scan(ctx, 0, base+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := iter.Val()
		name := strings.TrimPrefix(key, base)
		var content string
		switch rdb.Type(ctx, key).Val() {
		case "hash":
			if name == "bmv" {
				continue // counters of changes, as many as there were writes
			}
			fields := rdb.HGetAll(ctx, key).Val()
			if strings.HasPrefix(name, "bm:x:") {
				// The search texts by listing ordinal: by listing, all chunks as one.
				for ord, text := range fields {
					bits["bm:x"] = append(bits["bm:x"], rdb.HGet(ctx, rm.Prefix()+"rm:ord:id", ord).Val()+"="+text)
				}
				continue
			}
			content = fmt.Sprint(fields)
		case "zset":
			content = fmt.Sprint(rdb.ZRangeWithScores(ctx, key, 0, -1).Val())
		case "string":
			if name == "layout" {
				content = rdb.Get(ctx, key).Val()
				break
			}
			// A search bitmap, by listing ordinal: ordinals differ from one
			// key space to another, the listings must not. An n-gram's
			raw := rdb.Get(ctx, key).Val()
			for i := 0; i < len(raw)*8; i++ {
				if raw[i/8]&(0x80>>(i%8)) != 0 {
					id := rdb.HGet(ctx, rm.Prefix()+"rm:ord:id", strconv.Itoa(i)).Val()
					bits[name] = append(bits[name], id)
				}
			}
			continue
		default:
			content = "unexpected type"
		}
		out[name] = content
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	for name, ids := range bits {
		slices.Sort(ids)
		out[name] = strings.Join(ids, ",")
	}
	return out
}

func TestReplay_whileCommandsAndQueriesRunSwitchesToAFreshProjection(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: 2, Configure: func(c *config.Config) { c.GenerationGrace = time.Second }})
	landlord, _ := sys.Register("replay@example.com", "landlord")
	ids := publishListings(t, landlord, 30)
	base := sys.Open()
	defer base.Close()
	waitClean(t, base)
	ctx := context.Background()
	oldGen, _, _ := base.RM.Generations(ctx, readmodel.Listings)

	// Traffic: a landlord editing, tenants reading detail and search pages.
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
		reads    atomic.Int64
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	wg.Add(3)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			id := ids[i%len(ids)]
			if r := landlord.Do("PATCH", "/listings/"+id, map[string]any{"price": 3000 + i}); r.Status != http.StatusOK {
				fail("edit %s: %d %s", id, r.Status, r.Body)
			}
		}
	}()
	for g := range 2 {
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 1))
			tenant := sys.Client()
			for !stop.Load() {
				id := ids[r.IntN(len(ids))]
				if res := tenant.Do("GET", "/listings/"+id, nil); res.Status != http.StatusOK {
					fail("detail %s: %d %s", id, res.Status, res.Body)
				}
				res := tenant.Do("GET", "/listings?city=beijing&sort=price_asc&page_size=50", nil)
				if res.Status != http.StatusOK {
					fail("search: %d %s", res.Status, res.Body)
				} else if n := strings.Count(string(res.Body), `"status":"published"`); n != len(ids) {
					fail("search found %d of %d listings (source %s)", n, len(ids), res.Header.Get("X-Read-Source"))
				}
				reads.Add(2)
			}
		}()
	}

	replayer := system.NewReplayer(base)
	replayer.Batch = 7 // many batches, so the replay overlaps the traffic
	var batches atomic.Int64
	replayer.Progress = func(done, total int64) {
		batches.Add(1)
		time.Sleep(5 * time.Millisecond)
	}
	rebuilt, n, err := replayer.Rebuild(ctx)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // traffic on the new generation
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the replay, first: %v", len(failures), failures[:min(3, len(failures))])
	}
	if batches.Load() < 5 || reads.Load() == 0 || n < int64(len(ids)*2) {
		t.Fatalf("the replay must overlap the traffic: %d batches, %d reads, %d events", batches.Load(), reads.Load(), n)
	}
	for _, r := range rebuilt {
		if r.Old == "" || r.Gen == r.Old {
			t.Fatalf("%s: a new generation must replace the old one: %+v", r.Projection, r)
		}
	}

	// The switched read models equal MySQL ...
	waitClean(t, base)
	// ... and a projection built from scratch in a fresh key space, with no
	// traffic, holds exactly the same keys and contents.
	rdb := testenv.Redis(t, testenv.RedisAddr())
	freshPrefix := testenv.Prefix(t, testenv.RedisAddr())
	fresh := readmodel.New(rdb, rdb, freshPrefix, base.Catalog, slog.New(slog.DiscardHandler))
	fr := system.NewReplayer(base)
	fr.Gens, fr.Batches = fresh, freshBatcher{fresh}
	fr.Projectors = fr.Projectors.Over(fresh)
	if _, _, err := fr.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	for _, p := range readmodel.Projections {
		live, want := dump(t, rdb, base.RM, p), dump(t, rdb, fresh, p)
		if len(live) != len(want) {
			t.Fatalf("%s: %d keys live, %d in a fresh projection", p, len(live), len(want))
		}
		for k, v := range want {
			if live[k] != v {
				t.Fatalf("%s %s differs from a fresh projection:\nlive  %s\nfresh %s", p, k, live[k], v)
			}
		}
	}

	// The workers delete the old generation once the grace has passed.
	testenv.Eventually(t, 15*time.Second, func() string {
		keys, _ := rdb.Keys(ctx, sys.Config.Prefix+"rm:listings:"+oldGen+":*").Result()
		retired, _ := base.RM.Retired(ctx, readmodel.Listings)
		if len(keys) > 0 || len(retired) > 0 {
			return fmt.Sprintf("generation %s still has %d keys (retired %v)", oldGen, len(keys), retired)
		}
		return ""
	})
}

// freshBatcher batches writes to another store (the test's fresh key space).
type freshBatcher struct{ rm *readmodel.Store }

func (b freshBatcher) Batch() (worker.ReadModels, func(context.Context) error) { return b.rm.Batch() }

func TestReplay_resumesWhereAnInterruptedReplayStopped(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("resume@example.com", "landlord")
	publishListings(t, landlord, 20)
	base := sys.Open()
	defer base.Close()
	waitClean(t, base)
	ctx := context.Background()

	// A replay that dies after its second batch.
	crashing, crash := context.WithCancel(ctx)
	first := system.NewReplayer(base)
	first.Batch = 5
	var firstTotal int64
	first.Progress = func(done, total int64) {
		firstTotal = total
		if done >= 10 {
			crash()
		}
	}
	if _, _, err := first.Rebuild(crashing, readmodel.Listings); !errors.Is(err, context.Canceled) {
		t.Fatalf("the interrupted replay must fail: %v", err)
	}
	live, building, _ := base.RM.Generations(ctx, readmodel.Listings)
	pos, _ := base.RM.Position(ctx, readmodel.Listings, building)
	if building == readmodel.NoGeneration || building == live || pos == 0 {
		t.Fatalf("an interrupted rebuild stays under way with its position: live %q building %q position %d", live, building, pos)
	}
	// Meanwhile the workers keep writing new events to both generations.
	landlord.Must(http.StatusOK, "PATCH", "/listings/"+publishListings(t, landlord, 1)[0], map[string]any{"title": "during"})

	second := system.NewReplayer(base)
	second.Batch = 5
	var secondTotal int64
	second.Progress = func(done, total int64) { secondTotal = total }
	rebuilt, n, err := second.Rebuild(ctx, readmodel.Listings)
	if err != nil {
		t.Fatal(err)
	}
	if rebuilt[0].Gen != building {
		t.Fatalf("the resumed replay finishes generation %s, not %s", building, rebuilt[0].Gen)
	}
	if secondTotal >= firstTotal || n != secondTotal {
		t.Fatalf("the resumed replay continues after seq %d: %d events left of %d (replayed %d)", pos, secondTotal, firstTotal, n)
	}
	if users, _ := second.Building(ctx); slices.Contains(users, readmodel.Users) {
		t.Fatal("only the listings were rebuilt")
	}
	waitClean(t, base)
}
