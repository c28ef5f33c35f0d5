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
	"github.com/zufang/rental/infra/readmodel"
)

// LagConfig shapes the lag benchmark.
type LagConfig struct {
	Listings int
	Rates    []int // commands per second, open loop, one run each
	Duration time.Duration
	Workers  int
}

type sent struct {
	id       string
	version  int64
	received time.Time
}

// Lag measures command → read model visible at steady command rates, one
// run per rate against the same api and worker. Each command edits a
// listing's price through the api; a listing is visible when its change
// notice (published by the read-model write, the same notice that
// invalidates the api's near cache) arrives. The lag is measured from the
// event's occurred_at (set just before the command's transaction, so an
// upper bound of commit → visible); the count of changes visible before the
// client had the command's response is noted. Each row also says where the
// CPU went, for a machine where everything shares the same cores.
func Lag(ctx context.Context, env *Env, cfg LagConfig) (Table, error) {
	api, base, err := env.StartPipeline(ctx, "lag", cfg.Workers)
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
	ps := rdb.Subscribe(ctx, base.RM.ChangesChannel())
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		return Table{}, err
	}
	var mu sync.Mutex
	visible := map[listingVersion]time.Time{}
	go func() {
		for m := range ps.Channel(goredis.WithChannelSize(100000)) {
			at := time.Now()
			n, ok := readmodel.ParseChangeNotice(m.Payload)
			if !ok || n.Kind != readmodel.NoticeListing {
				continue
			}
			mu.Lock()
			visible[listingVersion{n.ID.String(), n.Version}] = at
			mu.Unlock()
		}
	}()

	t := Table{
		Title: fmt.Sprintf("Command → read model visible (PATCH a listing's price; %d listings, %d worker, %s per rate)",
			cfg.Listings, max(cfg.Workers, 1), cfg.Duration),
		Header: []string{"rate asked", "achieved/s", "lag p50", "lag p90", "lag p99", "lag max",
			"command p50", "command p99", "failed", "not visible", "CPU: bench process / MariaDB / Redis"},
	}
	for _, rate := range cfg.Rates {
		run, err := lagRun(ctx, base.Pools.Writer, api, listings, rate, cfg.Duration, env.servers)
		if err != nil {
			return Table{}, err
		}
		mu.Lock()
		var lags []time.Duration
		missing, early := 0, 0
		for _, s := range run.results {
			key := listingVersion{s.id, s.version}
			at, ok := visible[key]
			if !ok {
				missing++
				continue
			}
			if at.Before(s.received) {
				early++
			}
			if o, ok := run.occurred[key]; ok {
				lags = append(lags, at.Sub(o))
			}
		}
		mu.Unlock()
		lag, cmd := percentiles(lags), percentiles(run.latencies)
		t.Add(rate, fmt.Sprintf("%.0f", float64(len(run.results))/run.elapsed.Seconds()), lag[0], lag[1], lag[2], lag[3],
			cmd[0], cmd[2], run.failures, missing, run.cpu)
		t.Notes = append(t.Notes, fmt.Sprintf("At %d/s, %d of %d changes were visible before the client had the command's response.", rate, early, len(run.results)))
	}
	t.Notes = append(t.Notes,
		"Lag runs from the event's occurred_at (taken just before the command's transaction) to the change notice the read-model write publishes.",
		env.servers.note()+" The bench process holds the api, the worker and the load generator.",
		"Target (DESIGN §9): p50 ≤ 5 ms, p99 ≤ 25 ms at 1,000 commands/s.")
	return t, nil
}

type lagResult struct {
	results   []sent
	latencies []time.Duration
	failures  int
	elapsed   time.Duration
	occurred  map[listingVersion]time.Time
	cpu       string
}

// lagRun sends PATCH commands at rate for d, then waits for the last notices.
func lagRun(ctx context.Context, db *sql.DB, api string, listings []Owned, rate int, d time.Duration, pids servers) (lagResult, error) {
	var startSeq int64
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(seq), 0) FROM event_log`).Scan(&startSeq); err != nil {
		return lagResult{}, err
	}
	var (
		res lagResult
		wg  sync.WaitGroup
		mu  sync.Mutex
	)
	cpu := startCPU(pids)
	ticker := time.NewTicker(time.Second / time.Duration(rate))
	start := time.Now()
	r := rand.New(rand.NewPCG(uint64(rate), 2))
	for i := 0; time.Since(start) < d; i++ {
		<-ticker.C
		l := listings[i%len(listings)]
		price := 1000 + r.IntN(9000)
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			st, body, err := call(ctx, "PATCH", api+"/api/v1/listings/"+l.ID, l.Token, map[string]any{"price": price})
			t1 := time.Now()
			mu.Lock()
			defer mu.Unlock()
			if err != nil || st != http.StatusOK {
				res.failures++
				return
			}
			v, _ := body["version"].(float64)
			res.results = append(res.results, sent{id: l.ID, version: int64(v), received: t1})
			res.latencies = append(res.latencies, t1.Sub(t0))
		}()
	}
	ticker.Stop()
	wg.Wait()
	res.elapsed = time.Since(start)
	res.cpu = cpu.stop()
	time.Sleep(2 * time.Second) // let the last notices arrive
	var err error
	res.occurred, err = occurredAt(ctx, db, startSeq)
	return res, err
}

// listingVersion is a version of a listing: what a change notice announces.
type listingVersion struct {
	id      string
	version int64
}

// occurredAt maps listing versions to their event's occurred_at for events after seq.
func occurredAt(ctx context.Context, db *sql.DB, seq int64) (map[listingVersion]time.Time, error) {
	rows, err := db.QueryContext(ctx, `SELECT aggregate_id, version, occurred_at FROM event_log WHERE seq > ? AND aggregate_type = 'listing'`, seq)
	if err != nil {
		return nil, fmt.Errorf("reading event times: %w", err)
	}
	defer rows.Close()
	out := map[listingVersion]time.Time{}
	for rows.Next() {
		var id uuid.UUID
		var v int64
		var at time.Time
		if err := rows.Scan(&id, &v, &at); err != nil {
			return nil, err
		}
		out[listingVersion{id.String(), v}] = at
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
