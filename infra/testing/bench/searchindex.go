package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops/demo"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/query"
)

// SearchIndexConfig shapes the search-index scenario.
type SearchIndexConfig struct {
	Listings, Stays int
	Searches        int           // per phase
	Edits, Orders   int           // per second during the live phase
	Budget          time.Duration // the longest a Redis call may take (SLOWLOG)
	// Pin gives a private redis-server a CPU of its own and the bench the
	// others while the scenario runs (PinApart), so that SLOWLOG times what
	// a call costs, not the bench preempting Redis.
	Pin bool
}

// SearchIndex measures the search index alone, on the read models of a
// large catalogue written straight into Redis (no commands, no MySQL): what
// each write and each search costs Redis, how long a search takes, and the
// slowest call Redis logged, for diverse searches (random scopes, filters,
// keywords, windows, sorts and pages, each repeating rarely), first with
// every bitmap read afresh, then while listings are edited and orders
// placed. It fails when Redis logged a call longer than Budget: with a
// private redis-server (--private-redis), SLOWLOG holds this run's calls only.
func SearchIndex(ctx context.Context, env *Env, cfg SearchIndexConfig) (Table, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return Table{}, err
	}
	rm, cat := base.RM, base.Catalog
	for _, p := range readmodel.Projections {
		gen, err := rm.StartRebuild(ctx, p)
		if err != nil {
			return Table{}, err
		}
		if _, err := rm.Switch(ctx, p, gen); err != nil {
			return Table{}, err
		}
	}
	rdb := goredis.NewClient(&goredis.Options{Addr: env.Redis.Addr})
	defer rdb.Close()
	placement := Placement{}
	if cfg.Pin {
		if placement, err = PinApart(env.Redis); err != nil {
			return Table{}, err
		}
		defer placement.Undo()
	}
	// What the machine takes from Redis's CPU with no Redis call running,
	// before and after the phases.
	stalls := make([]Stalls, 0, 2)
	meter := func() error {
		st, err := MachineStalls(placement, 10*time.Second)
		stalls = append(stalls, st)
		return err
	}
	if err := meter(); err != nil {
		return Table{}, err
	}
	if env.Redis.Private() {
		// Every call over the budget is logged, and nothing else.
		if err := rdb.ConfigSet(ctx, "slowlog-log-slower-than", strconv.FormatInt(cfg.Budget.Microseconds(), 10)).Err(); err != nil {
			return Table{}, err
		}
		defer rdb.ConfigSet(context.Background(), "slowlog-log-slower-than", "100")
	}
	r := rand.New(rand.NewPCG(12, 1))
	t := Table{
		Title: fmt.Sprintf("The search index: %d listings, %d stays, straight into Redis; %d diverse searches a phase", cfg.Listings, cfg.Stays, cfg.Searches),
		Header: []string{"phase", "calls", "Redis time per call", "Redis calls per call", "p50", "p99", "max", "Redis calls over " + ms(cfg.Budget),
			"slowest logged"},
	}
	mem0 := usedMemory(ctx, rdb)
	// phase measures one phase and adds its row.
	var own []string           // Redis's own account of each phase
	var slow []goredis.SlowLog // every phase's calls over the budget
	phase := func(writes bool, name string, n int, fn func(lat *[]time.Duration) error) error {
		row, stats, err := measure(ctx, rdb, env.Redis, writes, name, n, fn, &slow)
		if err == nil {
			t.Add(row...)
			own = append(own, stats)
		}
		return err
	}

	// Listings, written as a replay would (batches of 500).
	now := time.Now().UTC().Truncate(time.Millisecond)
	states := make([]events.ListingState, cfg.Listings)
	for i := range states {
		patch := demo.Listing(r, cat)
		l, _, err := command.NewListing(uuid.Must(uuid.NewV7()), uuid.New(), patch, cat, now)
		if err != nil {
			return Table{}, err
		}
		if _, err := l.PublishSince(now, now.Add(-time.Duration(r.Int64N(int64(365*24*time.Hour))))); err != nil {
			return Table{}, err
		}
		st := l.State(cat)
		st.Version = 2
		states[i] = st
	}
	if err := phase(true, "writes: listings (put.lua, batches of 500)", cfg.Listings, inBatches(ctx, rm, states,
		func(b *readmodel.Store, st events.ListingState) error {
			_, err := b.PutListing(ctx, readmodel.Current, st, nil)
			return err
		})); err != nil {
		return Table{}, err
	}
	memListings := usedMemory(ctx, rdb)

	// The longest a listing write can be: every searched text field at its
	// longest (title 100, block and community 64, traffic 500 characters).
	// 256 of them, one after the other, fill at least one chunk of texts.
	text := func(n int) string {
		rs := make([]rune, n)
		for j := range rs {
			rs[j] = rune(0x4E00 + r.IntN(20000))
		}
		return string(rs)
	}
	longest := make([]events.ListingState, 256)
	for i := range longest {
		st := states[r.IntN(len(states))]
		st.ID, st.Title, st.Block, st.Community, st.Traffic = uuid.Must(uuid.NewV7()), text(100), text(64), text(64), text(500)
		longest[i] = st
	}
	if err := phase(true, "writes: listings with every searched text at its longest (one at a time)", len(longest),
		func(lat *[]time.Duration) error {
			for _, st := range longest {
				if err := timed(lat, func() error { _, err := rm.PutListing(ctx, readmodel.Current, st, nil); return err }); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return Table{}, err
	}

	// Stays of a year, starting in the next 200 days, at most one at a time per listing.
	today := events.Today(time.Now())
	held := map[uuid.UUID][][2]time.Time{}
	var orders []events.OrderState
	for len(orders) < cfg.Stays {
		l := states[r.IntN(len(states))].ID
		start := today.AddDate(0, 0, 1+r.IntN(200))
		end := command.AddMonths(start, 12)
		if slices.ContainsFunc(held[l], func(s [2]time.Time) bool { return s[0].Before(end) && s[1].After(start) }) {
			continue
		}
		held[l] = append(held[l], [2]time.Time{start, end})
		orders = append(orders, stay(l, 2, events.OrderStatusWaitPayment, start, end, now))
	}
	if err := phase(true, "writes: stays (put.lua, batches of 500)", len(orders), inBatches(ctx, rm, orders,
		func(b *readmodel.Store, o events.OrderState) error {
			_, err := b.PutOrder(ctx, readmodel.Current, o, nil)
			return err
		})); err != nil {
		return Table{}, err
	}
	// Views of a third of the listings, 500 to a pipeline (one of 33,334
	// timed out at load 35).
	var views []events.ListingViewsState
	for i, st := range states {
		if i%3 == 0 {
			views = append(views, events.ListingViewsState{ID: events.ListingViewsID(st.ID), Version: 1, ListingID: st.ID, Views: int64(r.IntN(500))})
		}
	}
	if err := inBatches(ctx, rm, views, func(b *readmodel.Store, v events.ListingViewsState) error {
		_, err := b.PutListingViews(ctx, readmodel.Current, v, nil)
		return err
	})(new([]time.Duration)); err != nil {
		return Table{}, err
	}
	memAll := usedMemory(ctx, rdb)

	search := func(f query.ListingFilter) error {
		ids, _, err := rm.SearchListings(ctx, f)
		if err != nil {
			return fmt.Errorf("searching %+v: %w", f, err)
		}
		_, err = rm.Listings(ctx, ids) // the page's documents, as the query reads them
		return err
	}
	// First one search, so the api's ordinal table is read (once per process).
	t0 := time.Now()
	if err := search(query.ListingFilter{Sort: query.SortNewest, Page: 1, PageSize: 20}); err != nil {
		return Table{}, err
	}
	firstSearch := time.Since(t0)
	filters := make([]query.ListingFilter, cfg.Searches)
	for i := range filters {
		filters[i] = randomSearch(r, cat, today)
	}
	if err := phase(false, "searches, every bitmap read afresh", len(filters), func(lat *[]time.Duration) error {
		for _, f := range filters {
			rm.ForgetSearchBitmaps()
			if err := timed(lat, func() error { return search(f) }); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return Table{}, err
	}

	// Live: edits and orders arrive while the searches run, one at a time.
	for i := range filters {
		filters[i] = randomSearch(r, cat, today)
	}
	var writes []time.Duration
	edits, placed := 0, 0
	start := time.Now()
	if err := phase(false, fmt.Sprintf("searches, %d edits/s and %d orders/s meanwhile", cfg.Edits, cfg.Orders), len(filters),
		func(lat *[]time.Duration) error {
			for _, f := range filters {
				elapsed := time.Since(start).Seconds()
				for ; float64(edits) < elapsed*float64(cfg.Edits); edits++ {
					i := r.IntN(len(states))
					st := states[i]
					st.Version++
					st.Price = max(500, st.Price+int64(100*(r.IntN(11)-5)))
					states[i] = st
					if err := timed(&writes, func() error { _, err := rm.PutListing(ctx, readmodel.Current, st, nil); return err }); err != nil {
						return err
					}
				}
				for ; float64(placed) < elapsed*float64(cfg.Orders); placed++ {
					l := states[r.IntN(len(states))].ID
					s := today.AddDate(0, 0, 201+r.IntN(150))
					o := stay(l, 1, events.OrderStatusWaitAccept, s, command.AddMonths(s, 1+r.IntN(35)), now)
					if err := timed(&writes, func() error { _, err := rm.PutOrder(ctx, readmodel.Current, o, nil); return err }); err != nil {
						return err
					}
				}
				if err := timed(lat, func() error { return search(f) }); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
		return Table{}, err
	}
	if err := meter(); err != nil {
		return Table{}, err
	}
	w := percentiles(writes)
	where := "Placement: " + placement.String() + "."
	if placement.Pinned {
		where += fmt.Sprintf(" The machine alone, a thread spinning on Redis's CPU with its scheduling while Redis was idle (MachineStalls): "+
			"before the writes %s; after the searches %s (load average %s).", stalls[0], stalls[1], LoadAverages())
	}
	t.Notes = append(t.Notes, where,
		"Redis's own account of each phase (INFO commandstats: calls × µs a call; INFO latencystats' p99.9 and LATENCY HISTOGRAM's highest bucket, "+
			"which bound the slowest call; a script's inner commands are listed under their own names too): "+strings.Join(own, " "))
	t.Notes = append(t.Notes,
		fmt.Sprintf("Live phase: %d listing edits (a new price) and %d orders (stays of 1 to 36 months) written meanwhile, one put.lua each: p50 %s, p99 %s, max %s (round trip).",
			edits, placed, ms(w[0]), ms(w[2]), ms(w[3])),
		fmt.Sprintf("The first search of the process read the ordinal table (%d ordinals) in %s.", cfg.Listings, ms(firstSearch)),
		fmt.Sprintf("Redis memory: %.0f MB for the listings (%.2f KB each, documents, rankings, charts and bitmaps), %.0f MB with the stays and views.",
			float64(memListings-mem0)/1e6, float64(memListings-mem0)/1e3/float64(cfg.Listings), float64(memAll-mem0)/1e6),
		"\"Redis time per call\" is INFO commandstats' time over the phase divided by its writes or searches: a write's put.lua (its "+
			"\"Redis calls\" are the commands the script runs), a search's HMGETs, MGETs, HGETALLs and GETs (the counters, the bitmaps and chunks of texts that changed, the page's "+
			"documents). p50/p99/max are the round trip as the api sees it (the writes: per document of a batch). \"Over\" counts SLOWLOG entries of "+
			"this private redis-server, which logs every call longer than the budget.",
		fmt.Sprintf("Searches: scope all, a city or a district; a price window (70%%); bedrooms, rent type, 1-3 facilities (a quarter each); "+
			"a keyword from the demo's vocabulary (a fifth); dates in the next year, 1 to %d days long (half); any of the five sorts; pages 1-5, "+
			"and one in ten deep (page 20-2000, 50 a page).", events.MaxStayDays))
	if !env.Redis.Private() {
		return t, nil
	}
	largest, err := largestCalls(ctx, rdb, rm, longest, states, text, today, now)
	if err != nil {
		return t, err
	}
	t.Notes = append(t.Notes, largest)
	if len(slow) > 0 {
		s := slowest(slow)
		return t, fmt.Errorf("%d Redis calls took longer than %s in all, the slowest %s %s", len(slow), cfg.Budget, ms(s.Duration), describeCall(s.Args))
	}
	return t, nil
}

// largestCalls runs the largest call of each kind the search index sends,
// 30 times each, with every call logged, and describes Redis's own time for
// them (SLOWLOG): the median is what the call costs, the maximum what the
// machine added (a redis-server taken off the CPU mid-call is logged too).
func largestCalls(ctx context.Context, rdb *goredis.Client, rm *readmodel.Store, longest, states []events.ListingState,
	text func(int) string, today, now time.Time) (string, error) {
	gen, _, err := rm.Generations(ctx, readmodel.Listings)
	if err != nil {
		return "", err
	}
	base, ordKey := rm.Prefix()+"rm:"+readmodel.Listings+":"+gen+":", rm.Prefix()+"rm:ord"
	// The chunk of texts that holds the most of the longest ones.
	chunks := map[int]int{}
	best := 0
	for _, st := range longest {
		o, err := rdb.HGet(ctx, ordKey, st.ID.String()).Int()
		if err != nil {
			return "", err
		}
		if chunks[o/128]++; chunks[o/128] > chunks[best] {
			best = o / 128
		}
	}
	var bitmaps []string
	for i := range 24 {
		bitmaps = append(bitmaps, base+"bm:p:"+strconv.Itoa(i))
	}
	for i := range 8 {
		bitmaps = append(bitmaps, base+"bm:t:"+strconv.Itoa(i))
	}
	ords := make([]string, 500)
	for i := range ords {
		ords[i] = strconv.Itoa(len(states)/2 + i)
	}
	st := longest[0]
	kinds := []struct {
		name, command string
		call          func(i int) error
	}{
		{"put.lua, a listing with every searched text at its longest, all of it changed (text, every price bit, every facility)", "evalsha",
			func(i int) error {
				st.Version++
				st.Title, st.Block, st.Community, st.Traffic = text(100), text(64), text(64), text(500)
				st.Price = []int64{0x2AAAAA, 0x555555}[i%2] // every bit of the 23 differs
				if i%2 == 0 {
					st.Facilities = nil
				} else {
					st.Facilities = states[0].Facilities
				}
				_, err := rm.PutListing(ctx, readmodel.Current, st, nil)
				return err
			}},
		{"put.lua, an order of 36 months (~140 checkpoints)", "evalsha", func(i int) error {
			start := today.AddDate(0, 0, 201+i)
			_, err := rm.PutOrder(ctx, readmodel.Current, stay(states[i].ID, 1, events.OrderStatusWaitAccept, start, command.AddMonths(start, 36), now), nil)
			return err
		}},
		{fmt.Sprintf("HGETALL of the chunk of texts with %d of 128 at their longest", chunks[best]), "hgetall", func(int) error {
			return rdb.HGetAll(ctx, base+"bm:x:"+strconv.Itoa(best)).Err()
		}},
		{"MGET of 32 bitmaps (the price slices and 8 of the publication time)", "mget", func(int) error { return rdb.MGet(ctx, bitmaps...).Err() }},
		{"HMGET of 500 ordinals", "hmget", func(int) error { return rdb.HMGet(ctx, ordKey+":id", ords...).Err() }},
	}
	if err := rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		return "", err
	}
	var parts []string
	for _, k := range kinds {
		rdb.Do(ctx, "SLOWLOG", "RESET")
		for i := range 30 {
			if err := k.call(i); err != nil {
				return "", fmt.Errorf("%s: %w", k.name, err)
			}
		}
		logs, err := rdb.SlowLogGet(ctx, -1).Result()
		if err != nil {
			return "", err
		}
		var d []time.Duration
		for _, l := range logs {
			if len(l.Args) > 0 && strings.EqualFold(l.Args[0], k.command) {
				d = append(d, l.Duration)
			}
		}
		slices.Sort(d)
		if len(d) == 0 {
			return "", fmt.Errorf("%s: no %s logged", k.name, k.command)
		}
		parts = append(parts, fmt.Sprintf("%s: median %.0f µs, max %.0f µs", k.name, float64(d[len(d)/2])/1e3, float64(d[len(d)-1])/1e3))
	}
	return "The largest call of each kind, 30 times each, Redis's own time (SLOWLOG, every call logged): " + strings.Join(parts, "; ") + ".", nil
}

// inBatches writes items as a replay would, 500 to a pipeline, and records
// each batch's latency per item.
func inBatches[S any](ctx context.Context, rm *readmodel.Store, items []S, put func(b *readmodel.Store, st S) error) func(lat *[]time.Duration) error {
	return func(lat *[]time.Duration) error {
		for part := range slices.Chunk(items, 500) {
			b, flush := rm.Batch()
			t0 := time.Now()
			for _, st := range part {
				if err := put(b, st); err != nil {
					return err
				}
			}
			if err := flush(ctx); err != nil {
				return err
			}
			*lat = append(*lat, time.Since(t0)/time.Duration(len(part)))
		}
		return nil
	}
}

// timed runs fn and records how long it took.
func timed(lat *[]time.Duration, fn func() error) error {
	t0 := time.Now()
	if err := fn(); err != nil {
		return err
	}
	*lat = append(*lat, time.Since(t0))
	return nil
}

// stay is an order of listing l for [start, end), placed at now.
func stay(l uuid.UUID, version int64, status string, start, end, now time.Time) events.OrderState {
	return events.OrderState{ID: uuid.Must(uuid.NewV7()), Version: version, ListingID: l, TenantID: uuid.New(), LandlordID: uuid.New(),
		Status: status, StartDate: start.Format(events.DateLayout), EndDate: end.Format(events.DateLayout), CreatedAt: now, UpdatedAt: now}
}

// slowest is the longest call logged, leaving out the bench's own reads of
// the log.
func slowest(logs []goredis.SlowLog) goredis.SlowLog {
	_, w := tally(logs, 0)
	return w
}

// measure runs a phase of n writes or searches and returns its row: the
// Redis time and calls per item (INFO commandstats), the latencies fn
// recorded, and what SLOWLOG logged (added to slow), and Redis's own account of every
// command (describeStats). A write's time is its put.lua (EVALSHA, with the
// commands it runs counted as its calls); a search's the HMGETs, MGETs,
// HGETALLs and GETs it sends (no script: the writes of the live phase add
// only their two GETs of the generation each).
func measure(ctx context.Context, rdb *goredis.Client, redis *Redis, writes bool, name string, n int, fn func(lat *[]time.Duration) error,
	slow *[]goredis.SlowLog) (row []any, own string, err error) {
	rdb.Do(ctx, "SLOWLOG", "RESET")
	rdb.ConfigResetStat(ctx)
	var lat []time.Duration
	if err := fn(&lat); err != nil {
		return nil, "", err
	}
	stats := callStats(ctx, rdb)
	var usec float64
	var calls int64
	for _, st := range stats {
		switch {
		case writes && st.name == "evalsha":
			usec += st.usecPer * float64(st.calls)
		case writes:
			calls += st.calls
		case st.name == "hmget" || st.name == "mget" || st.name == "get" || st.name == "hgetall":
			usec += st.usecPer * float64(st.calls)
			calls += st.calls
		}
	}
	p := percentiles(lat)
	over, worst := "-", "- (shared Redis)"
	if redis.Private() {
		logs, err := rdb.SlowLogGet(ctx, -1).Result()
		if err != nil {
			return nil, "", err
		}
		logs = slices.DeleteFunc(logs, isSlowlogRead)
		*slow = append(*slow, logs...)
		over, worst = strconv.Itoa(len(logs)), "none"
		if len(logs) > 0 {
			s := slowest(logs)
			worst = ms(s.Duration) + " " + describeCall(s.Args)
		}
	}
	return []any{name, n, fmt.Sprintf("%.0f µs", usec/float64(n)), fmt.Sprintf("%.1f", float64(calls)/float64(n)), p[0], p[2], p[3], over, worst},
		name + ": " + describeStats(stats) + ".", nil
}

func usedMemory(ctx context.Context, rdb *goredis.Client) int64 {
	info, _ := rdb.Info(ctx, "memory").Result()
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// randomSearch is one of the diverse searches of the scenario.
func randomSearch(r *rand.Rand, cat *rental.Catalog, today time.Time) query.ListingFilter {
	f := query.ListingFilter{Sort: []string{query.SortNewest, query.SortPriceAsc, query.SortPriceDesc, query.SortBookings, query.SortViews}[r.IntN(5)],
		Page: 1 + r.IntN(5), PageSize: 20}
	cities := cat.Cities()
	city := cities[r.IntN(len(cities))]
	switch r.IntN(3) {
	case 1:
		f.City = city.Code
	case 2:
		f.City, f.District = city.Code, city.Districts[r.IntN(len(city.Districts))].Code
	}
	if r.IntN(10) < 7 {
		f.PriceMin = int64(500 + 100*r.IntN(60))
		f.PriceMax = f.PriceMin + int64(500+100*r.IntN(40))
	}
	if r.IntN(4) == 0 {
		b := 1 + r.IntN(4)
		f.Bedrooms = &b
	}
	if r.IntN(4) == 0 {
		f.RentType = []string{"whole", "shared"}[r.IntN(2)]
	}
	if r.IntN(4) == 0 {
		facs := cat.Facilities()
		for range 1 + r.IntN(3) {
			f.Facilities = append(f.Facilities, facs[r.IntN(len(facs))].Code)
		}
	}
	if r.IntN(5) == 0 {
		f.Keyword = []string{"近地铁", "精装修", "拎包入住", "南北通透", "花园", "望京", "中关村", "整租", "合租", "室", "朝阳", "2室1厅",
			"阳光花园", "陆家嘴", "地铁", "万科城"}[r.IntN(16)]
	}
	if r.IntN(2) == 0 {
		f.From = today.AddDate(0, 0, r.IntN(365))
		f.To = f.From.AddDate(0, 0, 1+r.IntN(events.MaxStayDays))
	}
	if r.IntN(10) == 0 {
		f.Page, f.PageSize = 20+r.IntN(1980), 50
	}
	return f
}
