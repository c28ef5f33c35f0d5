package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/nearcache"
	"github.com/zufang/rental/query"
)

// LiveConfig shapes the live-traffic search scenario.
type LiveConfig struct {
	Listings, Stays int
	Queries         int // distinct queries per set (dated, undated)
	Edits, Orders   int // commands per second, all along the measurement
	Load            Load
	RedisFirst      bool // Redis at real-time priority during the runs (Prioritize)
}

// Live measures search as a live site meets it: a large catalogue with
// stays booked, diverse searches (random scopes, price windows, filters,
// keywords, stays, sorts and pages, drawn at random from a large pool so a
// query rarely repeats), while landlords edit listings and tenants place
// orders through the command path (relay, worker, change notices: the near
// cache retires what they could change). The same searches go to an api
// served normally (near cache → Redis), one without a near cache and one
// forced to MySQL, side by side in one run, dated and undated. Each run
// reports requests/s, p50/p99, errors, Redis's CPU, the slowest call Redis
// logged (SLOWLOG of the bench's private redis-server) and the near cache's
// hit rate on search answers.
func Live(ctx context.Context, env *Env, cfg LiveConfig) (Table, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return Table{}, err
	}
	t0 := time.Now()
	// The catalogue straight into MySQL (every listing created and
	// published, as the commands would write it); the worker builds the read
	// models from event_log on start, as it does on a fresh Redis.
	if _, err := GenerateHistory(ctx, base.Pools.Writer, base.Catalog, HistoryConfig{Landlords: 1000, Listings: cfg.Listings, PerListing: 2}); err != nil {
		return Table{}, fmt.Errorf("generating the catalogue: %w", err)
	}
	listings, err := publishedListings(ctx, base.Pools.Writer)
	if err != nil {
		return Table{}, err
	}
	generated := time.Since(t0)
	normal, api, err := env.StartAPIServer(ctx, nil)
	if err != nil {
		return Table{}, err
	}
	if err := env.StartWorker(ctx, "live-worker-0"); err != nil {
		return Table{}, err
	}
	cmds := api.Commands
	tenant, err := cmds.RegisterUser.Handle(ctx, command.RegisterUser{Meta: command.Meta{Actor: rental.System},
		Email: "live-tenant@example.com", Password: "bench-password", Nickname: "t", Roles: []string{"tenant"}})
	if err != nil {
		return Table{}, err
	}
	renter := rental.Actor{UserID: tenant.ID, Roles: []rental.Role{rental.RoleTenant}}
	if err := waitIndexed(ctx, base, len(listings)); err != nil {
		return Table{}, err
	}
	// Stays of a year starting in the next 200 days, as the search scenario books them.
	ids := make([]uuid.UUID, len(listings))
	for i, l := range listings {
		ids[i] = l.id
	}
	booked, err := bookStays(ctx, cmds, renter, ids, cfg.Stays)
	if err != nil {
		return Table{}, fmt.Errorf("booking stays: %w", err)
	}
	today := events.Today(time.Now())
	if err := waitIndexed(ctx, base, len(listings)); err != nil {
		return Table{}, err
	}
	seeded := time.Since(t0)
	redisOnly, mysqlOnly, err := env.StartComparisons(ctx)
	if err != nil {
		return Table{}, err
	}

	r := rand.New(rand.NewPCG(21, 12))
	var dated, undated []string
	for range cfg.Queries {
		f := randomSearch(r, base.Catalog, today)
		if !f.Dated() {
			f.From = today.AddDate(0, 0, r.IntN(365))
			f.To = f.From.AddDate(0, 0, 1+r.IntN(events.MaxStayDays))
		}
		dated = append(dated, searchPath(f))
		f = randomSearch(r, base.Catalog, today)
		f.From, f.To = time.Time{}, time.Time{}
		undated = append(undated, searchPath(f))
	}

	rdb := goredis.NewClient(&goredis.Options{Addr: env.Redis.Addr})
	defer rdb.Close()
	placement := Placement{}
	if cfg.RedisFirst {
		if placement, err = Prioritize(env.Redis); err != nil {
			return Table{}, err
		}
		defer placement.Undo()
	}
	// Every call over 200 µs is logged (the private server keeps 100,000), so
	// the slowest is known even when none passes the 2 ms bound.
	const logOver, bound = 200 * time.Microsecond, 2 * time.Millisecond
	if env.Redis.Private() {
		if err := rdb.ConfigSet(ctx, "slowlog-log-slower-than", strconv.FormatInt(logOver.Microseconds(), 10)).Err(); err != nil {
			return Table{}, err
		}
	}

	// The live writes, all along the measurement.
	w := &liveWriter{cmds: cmds, listings: listings, renter: renter, today: today}
	wctx, stopWrites := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer stopWrites()
	wg.Add(2)
	go func() { defer wg.Done(); w.every(wctx, cfg.Edits, w.edit) }()
	go func() { defer wg.Done(); w.every(wctx, cfg.Orders, w.order) }()
	writing := time.Now()

	t := Table{
		Title: fmt.Sprintf("Search under live traffic: %d listings, %d stays, %d distinct queries a set drawn at random, %d edits/s and %d orders/s meanwhile; wrk -t%d -c%d -d%s, side by side",
			len(listings), booked, cfg.Queries, cfg.Edits, cfg.Orders, cfg.Load.Threads, cfg.Load.Connections, cfg.Load.Duration),
		Header: []string{"searches", "served by", "load", "req/s", "p50", "p99", "errors", "vs MySQL", "bench CPU per search", "Redis CPU", "Redis calls over 2 ms", "slowest Redis call",
			"near cache hits"},
	}
	servers := []struct {
		name, base string
		near       *nearcache.Cache
	}{{"MySQL (forced)", mysqlOnly, nil}, {"Redis, no near cache", redisOnly, nil}, {"near cache → Redis", normal, api.Near}}
	for _, set := range []struct {
		name  string
		paths []string
	}{{"dated", dated}, {"undated", undated}} {
		var db float64
		for _, srv := range servers {
			// Saturated (wrk, closed loop) first, then an open loop at half
			// the rate wrk reached: the latency a user meets below saturation.
			var saturated float64
			for _, open := range []bool{false, true} {
				rdb.Do(ctx, "SLOWLOG", "RESET")
				var h0, m0 uint64
				if srv.near != nil {
					h0, m0 = srv.near.PageStats()
				}
				cpu := startCPU(env.servers)
				load := fmt.Sprintf("saturated: wrk -c%d", cfg.Load.Connections)
				var res Throughput
				if open {
					rate := max(1, saturated/2)
					load = fmt.Sprintf("open loop: %.0f req/s offered", rate)
					res = OpenLoop(ctx, srv.base, set.paths, rate, cfg.Load.Duration, uint64(len(t.Rows)))
				} else if res, err = WrkRandom(ctx, cfg.Load, srv.base, set.paths); err != nil {
					return Table{}, err
				}
				shares := cpu.shares()
				redisCPU := fmt.Sprintf("%.0f%%", 100*shares["redis"])
				perSearch := "-"
				if res.RequestsPerSec > 0 {
					perSearch = ms(time.Duration(shares["bench"] / res.RequestsPerSec * float64(time.Second)))
				}
				if env.servers.redis == 0 {
					redisCPU = "≈" + redisCPU
				}
				over, worst := "-", "- (shared Redis)"
				if env.Redis.Private() {
					logs, err := rdb.SlowLogGet(ctx, -1).Result()
					if err != nil {
						return Table{}, err
					}
					n, s := tally(logs, bound)
					over, worst = strconv.Itoa(n), "none over "+ms(logOver)
					if s.Duration > 0 {
						worst = ms(s.Duration) + " " + describeCall(s.Args)
					}
				}
				hits := "-"
				if srv.near != nil {
					h1, m1 := srv.near.PageStats()
					hits = pct(float64(h1-h0), float64(h1-h0+m1-m0))
				}
				if srv.base == mysqlOnly && !open {
					db = res.RequestsPerSec
				}
				if !open {
					saturated = res.RequestsPerSec
				}
				t.Add(set.name, srv.name, load, res.RequestsPerSec, res.P50, res.P99, res.Errors, ratio(res.RequestsPerSec, db), perSearch, redisCPU, over, worst, hits)
				time.Sleep(time.Second)
			}
		}
	}
	stopWrites()
	wg.Wait()
	took := time.Since(writing).Seconds()
	if env.Redis.Private() {
		rdb.ConfigSet(context.Background(), "slowlog-log-slower-than", "100")
	}
	t.Notes = append(t.Notes,
		fmt.Sprintf("Meanwhile, through the command handlers of the near-cached api (relay, worker, change notices): %d listing edits (%.1f/s: a new price, "+
			"now and then a new title), %d orders placed (%.1f/s; %d refused as overlapping a stay: 409), %d commands failed otherwise, "+
			"%d not sent (64 under way).",
			w.edits.Load(), float64(w.edits.Load())/took, w.orders.Load(), float64(w.orders.Load())/took, w.conflicts.Load(), w.failed.Load(),
			w.skipped.Load()),
		fmt.Sprintf("Searches: scope all, a city or a district; a price window (70%%); bedrooms, rent type, 1-3 facilities (a quarter each); a keyword "+
			"(a fifth); any of the five sorts; pages 1-5, one in ten deep (page 20-2000, 50 a page); dated: a stay in the next year of 1 to %d days. "+
			"Each wrk thread draws from the %d queries of its set at random, so a query repeats rarely; the near cache keeps an answer at most 5 s and "+
			"retires it when a change could alter it.", events.MaxStayDays, cfg.Queries),
		"Bench CPU per search is the bench process's CPU time during the run (the three apis, the worker, the live writes and, in the open loop, "+
			"its Go client) over the searches answered: the figure that survives a loaded machine. Redis CPU is the share of one core the bench's private redis-server used during the run (every client's work: the worker's writes too); "+
			"the Redis calls are this redis-server's SLOWLOG during the run (every call over "+ms(logOver)+" logged), the near cache's hit rate is on "+
			"search answers only.",
		fmt.Sprintf("Seeding took %s (the catalogue written into MySQL in %s, the read models built by the worker from event_log, the stays booked through PlaceOrder).",
			seeded.Round(time.Second), generated.Round(time.Second)),
		"Load: \"saturated\" is wrk's closed loop (each connection sends its next request when the last is answered), so its latency is about "+
			"connections ÷ throughput; \"open loop\" sends at a fixed rate, half of what wrk reached on that api, from a Go client in the bench "+
			"process, each latency measured from when the request was due (no coordinated omission), a request unanswered after 2 s an error "+
			"as wrk counts it. vs MySQL compares each row's req/s with MySQL's saturated req/s.",
		"Placement: "+placement.String()+".",
		"Targets (DESIGN §9): dated and undated searches each ≥ 5× MySQL, p99 ≤ 50 ms, no errors, no Redis call over 2 ms.")
	return t, nil
}

// searchPath is the JSON API's search URL of f.
func searchPath(f query.ListingFilter) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("city", f.City)
	set("district", f.District)
	if f.PriceMin > 0 {
		set("price_min", strconv.FormatInt(f.PriceMin, 10))
	}
	if f.PriceMax > 0 {
		set("price_max", strconv.FormatInt(f.PriceMax, 10))
	}
	if f.Bedrooms != nil {
		set("bedrooms", strconv.Itoa(*f.Bedrooms))
	}
	set("rent_type", f.RentType)
	set("facilities", strings.Join(f.Facilities, ","))
	set("keyword", f.Keyword)
	if f.Dated() {
		set("start_date", f.From.Format(events.DateLayout))
		set("end_date", f.To.Format(events.DateLayout))
	}
	set("sort", f.Sort)
	set("page", strconv.Itoa(f.Page))
	set("page_size", strconv.Itoa(f.PageSize))
	return "/api/v1/listings?" + v.Encode()
}

// liveListing is a published listing and its landlord, who may edit it.
type liveListing struct {
	id       uuid.UUID
	landlord rental.Actor
}

func publishedListings(ctx context.Context, db *sql.DB) ([]liveListing, error) {
	rows, err := db.QueryContext(ctx, "SELECT id, landlord_id FROM listings WHERE status = ? ORDER BY id", events.StatusPublished)
	if err != nil {
		return nil, fmt.Errorf("reading the listings: %w", err)
	}
	defer rows.Close()
	var out []liveListing
	for rows.Next() {
		var id, landlord []byte
		if err := rows.Scan(&id, &landlord); err != nil {
			return nil, err
		}
		l, err1 := uuid.FromBytes(id)
		o, err2 := uuid.FromBytes(landlord)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("a listing id that is no UUID: %x", id)
		}
		out = append(out, liveListing{id: l, landlord: rental.Actor{UserID: o, Roles: []rental.Role{rental.RoleTenant, rental.RoleLandlord}}})
	}
	return out, rows.Err()
}

// liveWriter sends the edits and orders of the live scenario.
type liveWriter struct {
	cmds     command.Commands
	listings []liveListing
	renter   rental.Actor
	today    time.Time

	edits, orders, conflicts, failed atomic.Int64
	skipped                          atomic.Int64 // ticks past 64 commands under way
}

// every starts fn perSecond times a second, on schedule: each call runs on
// its own goroutine, so a slow command (a loaded machine takes hundreds of
// milliseconds) does not lower the rate; past 64 calls under way a tick is
// skipped and counted. It returns when ctx ends and the calls are done.
func (w *liveWriter) every(ctx context.Context, perSecond int, fn func(ctx context.Context, r *rand.Rand)) {
	if perSecond <= 0 {
		return
	}
	r := rand.New(rand.NewPCG(uint64(perSecond), 5))
	tick := time.NewTicker(time.Second / time.Duration(perSecond))
	defer tick.Stop()
	var calls sync.WaitGroup
	defer calls.Wait()
	busy := make(chan struct{}, 64)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			select {
			case busy <- struct{}{}:
			default:
				w.skipped.Add(1)
				continue
			}
			own := rand.New(rand.NewPCG(r.Uint64(), 5))
			calls.Add(1)
			go func() {
				defer calls.Done()
				defer func() { <-busy }()
				fn(ctx, own)
			}()
		}
	}
}

// edit changes a random listing's price (and one time in five its title).
func (w *liveWriter) edit(ctx context.Context, r *rand.Rand) {
	l := w.listings[r.IntN(len(w.listings))]
	price := int64(500 + 100*r.IntN(90))
	patch := command.ListingPatch{Price: &price}
	if r.IntN(5) == 0 {
		title := []string{"整租·阳光花园 2室1厅 近地铁", "合租·万科城 3室1厅 精装修", "整租·望京花园 1室1厅 拎包入住"}[r.IntN(3)]
		patch.Title = &title
	}
	_, err := w.cmds.EditListing.Handle(ctx, command.EditListing{Meta: command.Meta{Actor: l.landlord}, ListingID: l.id, Fields: patch})
	w.count(ctx, err, &w.edits)
}

// order books a random listing for a year (every listing's min_months
// allows it), starting 200 to 350 days from now: some overlap a stay booked
// before, and are refused (409).
func (w *liveWriter) order(ctx context.Context, r *rand.Rand) {
	l := w.listings[r.IntN(len(w.listings))]
	start := w.today.AddDate(0, 0, 200+r.IntN(150))
	_, err := w.cmds.PlaceOrder.Handle(ctx, command.PlaceOrder{Meta: command.Meta{Actor: w.renter}, ListingID: l.id,
		StartDate: start.Format(events.DateLayout), EndDate: command.AddMonths(start, 12).Format(events.DateLayout)})
	w.count(ctx, err, &w.orders)
}

func (w *liveWriter) count(ctx context.Context, err error, ok *atomic.Int64) {
	switch {
	case err == nil:
		ok.Add(1)
	case rental.ErrorCode(err) == rental.ECONFLICT:
		w.conflicts.Add(1)
	case ctx.Err() == nil:
		w.failed.Add(1)
	}
}
