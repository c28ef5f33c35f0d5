package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops/demo"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
)

// SearchConfig shapes the search benchmark.
type SearchConfig struct {
	Listings int
	Orders   int // stays booked on random listings, so dates filter something
	Load     Load
}

// Search compares, over a large catalogue, searches with dates + a price
// range + a sort answered from Redis (search.lua on the indexes, with and
// without the near cache) and forced to MySQL (the same filter as SQL), with
// wrk, and the latency of one search at a time.
func Search(ctx context.Context, env *Env, cfg SearchConfig) (Table, error) {
	normal, base, err := env.StartPipeline(ctx, "search", 1)
	if err != nil {
		return Table{}, err
	}
	seeded := time.Now()
	rel, err := base.NewRelay(nil)
	if err != nil {
		return Table{}, err
	}
	relayCtx, stopRelay := context.WithCancel(ctx)
	defer stopRelay()
	go func() { _ = rel.Run(relayCtx) }()
	seed, err := seedCatalogue(ctx, system.NewCommands(base, rel, nil), base.Catalog, cfg.Listings, cfg.Orders)
	booked := seed.booked
	if err != nil {
		return Table{}, err
	}
	took := time.Since(seeded)
	if err := waitIndexed(ctx, base, cfg.Listings); err != nil {
		return Table{}, err
	}
	stopRelay()
	redisOnly, mysqlOnly, err := env.StartComparisons(ctx)
	if err != nil {
		return Table{}, err
	}

	today := events.Today(time.Now())
	var dated, undated []string
	for i, window := range [][2]int{{30, 60}, {45, 120}, {90, 270}} {
		from := today.AddDate(0, 0, window[0]).Format(events.DateLayout)
		to := today.AddDate(0, 0, window[1]).Format(events.DateLayout)
		for _, price := range [][2]int{{2000, 4000}, {3000, 6000}, {1000, 9000}} {
			for _, sort := range []string{"price_asc", "new", "bookings"} {
				scope := []string{"", "city=beijing&", "city=shanghai&district=pudong&"}[i]
				q := fmt.Sprintf("/api/v1/listings?%sprice_min=%d&price_max=%d&sort=%s&page_size=20", scope, price[0], price[1], sort)
				dated = append(dated, q+"&start_date="+from+"&end_date="+to)
				undated = append(undated, q)
			}
		}
	}
	t := Table{
		Title: fmt.Sprintf("Search over %d listings (%d booked stays of a year): dates + price range + sort, and the same without dates; wrk -t%d -c%d -d%s, side by side",
			cfg.Listings, booked, cfg.Load.Threads, cfg.Load.Connections, cfg.Load.Duration),
		Header: []string{"queries", "served by", "req/s", "p50", "p99", "errors", "one at a time: p50", "one at a time: p99", "vs MySQL"},
	}
	servers := []struct{ name, base string }{{"MySQL (forced)", mysqlOnly}, {"Redis, no near cache", redisOnly}, {"near cache → Redis", normal}}
	for _, set := range []struct {
		name  string
		paths []string
	}{{"dates + price + sort", dated}, {"price + sort", undated}} {
		results := map[string]Throughput{}
		serial := map[string][4]time.Duration{}
		for _, srv := range servers {
			if serial[srv.name], err = oneAtATime(ctx, srv.base, set.paths, 3); err != nil {
				return Table{}, err
			}
			if results[srv.name], err = Wrk(ctx, cfg.Load, srv.base, set.paths); err != nil {
				return Table{}, err
			}
			time.Sleep(time.Second)
		}
		db := results["MySQL (forced)"].RequestsPerSec
		for _, srv := range servers {
			r, s := results[srv.name], serial[srv.name]
			t.Add(set.name, srv.name, r.RequestsPerSec, r.P50, r.P99, r.Errors, s[0], s[2], ratio(r.RequestsPerSec, db))
		}
	}
	t.Notes = append(t.Notes, fmt.Sprintf("%d distinct queries per set (3 windows × 3 price ranges × sort price_asc|new|bookings, over all listings, a city, a district), "+
		"taken in turn. \"One at a time\" sends each query 3 times sequentially: the cost of one search. The near cache keeps whole answers "+
		"until a listing or order changes, so under wrk it mostly answers from memory. Errors are wrk timeouts (2 s) of a saturated server. Seeding took %s.",
		len(dated), took.Round(time.Second)))
	return t, nil
}

// oneAtATime times each path, rounds times, one request at a time.
func oneAtATime(ctx context.Context, base string, paths []string, rounds int) ([4]time.Duration, error) {
	var lat []time.Duration
	for range rounds {
		for _, p := range paths {
			t0 := time.Now()
			st, _, err := call(ctx, "GET", base+p, "", nil)
			if err != nil || st != http.StatusOK {
				return [4]time.Duration{}, fmt.Errorf("GET %s: %d %v", p, st, err)
			}
			lat = append(lat, time.Since(t0))
		}
	}
	return percentiles(lat), nil
}

// seeded is a catalogue seedCatalogue made: its listings, their landlord,
// the tenant who booked, and how many stays were placed.
type seeded struct {
	ids    []uuid.UUID
	owner  rental.Actor
	renter rental.Actor
	booked int64
}

// seedCatalogue publishes n demo listings and books stays through the
// command handlers in this process (no HTTP: it is only the setup).
func seedCatalogue(ctx context.Context, cmds command.Commands, cat *rental.Catalog, n, orders int) (seeded, error) {
	landlord, err := cmds.RegisterUser.Handle(ctx, command.RegisterUser{Meta: command.Meta{Actor: rental.System},
		Email: "bench-landlord@example.com", Password: "bench-password", Nickname: "b", Roles: []string{"landlord"}})
	if err != nil {
		return seeded{}, err
	}
	tenant, err := cmds.RegisterUser.Handle(ctx, command.RegisterUser{Meta: command.Meta{Actor: rental.System},
		Email: "bench-tenant@example.com", Password: "bench-password", Nickname: "t", Roles: []string{"tenant"}})
	if err != nil {
		return seeded{}, err
	}
	owner := rental.Actor{UserID: landlord.ID, Roles: []rental.Role{rental.RoleLandlord}}
	renter := rental.Actor{UserID: tenant.ID, Roles: []rental.Role{rental.RoleTenant}}
	ids := make([]uuid.UUID, n)
	if err := parallel(ctx, 16, n, func(w, i int, r *rand.Rand) error {
		res, err := cmds.CreateListing.Handle(ctx, command.CreateListing{Meta: command.Meta{Actor: owner}, Fields: demo.Listing(r, cat)})
		if err != nil {
			return err
		}
		ids[i] = res.ID
		_, err = cmds.PublishListing.Handle(ctx, command.PublishListing{Meta: command.Meta{Actor: owner}, ListingID: res.ID})
		return err
	}); err != nil {
		return seeded{}, err
	}
	booked, err := bookStays(ctx, cmds, renter, ids, orders)
	return seeded{ids: ids, owner: owner, renter: renter, booked: booked}, err
}

// bookStays tries n bookings by renter of a year each, starting in the next
// 200 days, on random listings of ids, and returns how many were placed (a
// listing already booked then refuses: fine).
func bookStays(ctx context.Context, cmds command.Commands, renter rental.Actor, ids []uuid.UUID, n int) (int64, error) {
	today := events.Today(time.Now())
	var booked atomic.Int64
	err := parallel(ctx, 16, n, func(w, i int, r *rand.Rand) error {
		start := today.AddDate(0, 0, 1+r.IntN(200))
		_, err := cmds.PlaceOrder.Handle(ctx, command.PlaceOrder{Meta: command.Meta{Actor: renter}, ListingID: ids[r.IntN(len(ids))],
			StartDate: start.Format(events.DateLayout), EndDate: command.AddMonths(start, 12).Format(events.DateLayout)})
		if rental.ErrorCode(err) == rental.ECONFLICT {
			return nil
		}
		if err == nil {
			booked.Add(1)
		}
		return err
	})
	return booked.Load(), err
}

// parallel runs fn for i in [0, n) on w goroutines, each with its own random source.
func parallel(ctx context.Context, w, n int, fn func(w, i int, r *rand.Rand) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, w)
	for g := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 11))
			for i := int(next.Add(1) - 1); i < n && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				if err := fn(g, i, r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// waitIndexed waits until the search index holds every listing and the
// event streams are drained (the orders projected).
func waitIndexed(ctx context.Context, b *system.Base, listings int) error {
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		gen, _, err := b.RM.Generations(ctx, readmodel.Listings)
		if err == nil && gen != readmodel.NoGeneration {
			n, err := readmodel.NewInspector(b.RM).SearchIndexSize(ctx, gen)
			if err == nil && n == int64(listings) && drained(ctx, b.Redis.Master, b.Cfg.Prefix) {
				return nil
			}
		}
		time.Sleep(time.Second)
	}
	return fmt.Errorf("the read models did not catch up within 10 minutes")
}

// drained reports whether every stream's consumer group has nothing pending or unread.
func drained(ctx context.Context, rdb goredis.UniversalClient, prefix string) bool {
	for _, agg := range events.Aggregates {
		groups, err := rdb.XInfoGroups(ctx, events.Stream(prefix, agg)).Result()
		if err != nil {
			continue // a stream nothing was published to
		}
		for _, g := range groups {
			if g.Pending > 0 || g.Lag > 0 {
				return false
			}
		}
	}
	return true
}
