package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// LagConfig shapes the lag benchmark.
type LagConfig struct {
	Listings int
	Rate     int // commands per second, open loop
	Duration time.Duration
	Workers  int
}

type sent struct {
	id       string
	version  int64
	received time.Time
}

// Lag measures command → read model visible at a steady command rate. Each
// command edits a listing's price through the api; a listing is visible when
// its change notice (published by the read-model write, the same notice that
// invalidates the api's near cache) arrives. Two clocks are reported: from
// the event's occurred_at (set just before the command's transaction, so an
// upper bound of commit → visible) and from the client receiving the
// command's response (0 when the change was visible before the response).
func Lag(ctx context.Context, env *Env, cfg LagConfig) (Table, error) {
	api, err := env.StartAPI(ctx, nil)
	if err != nil {
		return Table{}, err
	}
	for i := range max(cfg.Workers, 1) {
		if err := env.StartWorker(ctx, fmt.Sprintf("lag-worker-%d", i)); err != nil {
			return Table{}, err
		}
	}
	base, err := env.Open(ctx)
	if err != nil {
		return Table{}, err
	}
	listings, err := Seed(ctx, api, base.Catalog, 10, cfg.Listings)
	if err != nil {
		return Table{}, err
	}
	if err := waitProjected(ctx, api, listings); err != nil {
		return Table{}, err
	}

	rdb := goredis.NewClient(&goredis.Options{Addr: env.Cfg.Redis.Addr})
	defer rdb.Close()
	ps := rdb.Subscribe(ctx, env.Cfg.Prefix+"rm:changed")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		return Table{}, err
	}
	var mu sync.Mutex
	visible := map[string]time.Time{}
	go func() {
		for m := range ps.Channel(goredis.WithChannelSize(100000)) {
			at := time.Now()
			mu.Lock()
			visible[m.Payload] = at
			mu.Unlock()
		}
	}()
	var startSeq int64
	if err := base.Pools.Writer.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM event_log`).Scan(&startSeq); err != nil {
		return Table{}, err
	}

	var (
		results   []sent
		latencies []time.Duration
		failures  int
		wg        sync.WaitGroup
		rmu       sync.Mutex
	)
	interval := time.Second / time.Duration(cfg.Rate)
	ticker := time.NewTicker(interval)
	start := time.Now()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; time.Since(start) < cfg.Duration; i++ {
		<-ticker.C
		l := listings[i%len(listings)]
		price := 1000 + r.IntN(9000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			st, res, err := call(ctx, "PATCH", api+"/api/v1/listings/"+l.ID, l.Token, map[string]any{"price": price})
			t1 := time.Now()
			rmu.Lock()
			defer rmu.Unlock()
			if err != nil || st != http.StatusOK {
				failures++
				return
			}
			v, _ := res["version"].(float64)
			results = append(results, sent{id: l.ID, version: int64(v), received: t1})
			latencies = append(latencies, t1.Sub(t0))
		}()
	}
	ticker.Stop()
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(2 * time.Second) // let the last notices arrive

	occurred, err := occurredAt(ctx, base.Pools.Writer, startSeq)
	if err != nil {
		return Table{}, err
	}
	var fromOccurred, fromResponse []time.Duration
	missing, early := 0, 0
	mu.Lock()
	for _, s := range results {
		key := fmt.Sprintf("listing %s %d", s.id, s.version)
		at, ok := visible[key]
		if !ok {
			missing++
			continue
		}
		if o, ok := occurred[key]; ok {
			fromOccurred = append(fromOccurred, at.Sub(o))
		}
		d := at.Sub(s.received)
		if d < 0 {
			early++
			d = 0
		}
		fromResponse = append(fromResponse, d)
	}
	mu.Unlock()

	t := Table{
		Title: fmt.Sprintf("Command → read model visible: %d commands at %d/s for %s (%d listings, %d worker)",
			len(results), cfg.Rate, cfg.Duration, cfg.Listings, max(cfg.Workers, 1)),
		Header: []string{"measure", "p50", "p90", "p99", "max"},
	}
	for _, m := range []struct {
		name string
		ds   []time.Duration
	}{{"lag from occurred_at (≥ commit → visible)", fromOccurred}, {"lag from the command's response", fromResponse}, {"command latency (client)", latencies}} {
		p := percentiles(m.ds)
		t.Add(m.name, p[0], p[1], p[2], p[3])
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Achieved %.0f commands/s; %d failed; %d never became visible; %d of %d were visible before the client had the response.",
		float64(len(results))/elapsed.Seconds(), failures, missing, early, len(results)),
		"Target (DESIGN §9): p50 ≤ 5 ms, p99 ≤ 25 ms at 1,000 commands/s.")
	return t, nil
}

// occurredAt maps "listing <id> <version>" to the event's occurred_at for events after seq.
func occurredAt(ctx context.Context, db *sql.DB, seq int64) (map[string]time.Time, error) {
	rows, err := db.QueryContext(ctx, `SELECT aggregate_id, version, occurred_at FROM event_log WHERE seq > ? AND aggregate_type = 'listing'`, seq)
	if err != nil {
		return nil, fmt.Errorf("reading event times: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id uuid.UUID
		var v int64
		var at time.Time
		if err := rows.Scan(&id, &v, &at); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("listing %s %d", id, v)] = at
	}
	return out, rows.Err()
}

func percentiles(ds []time.Duration) [4]time.Duration {
	if len(ds) == 0 {
		return [4]time.Duration{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return [4]time.Duration{at(0.50), at(0.90), at(0.99), s[len(s)-1]}
}
