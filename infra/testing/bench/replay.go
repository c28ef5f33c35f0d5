package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/worker"
)

// ReplayConfig shapes the replay benchmark.
type ReplayConfig struct {
	History HistoryConfig
	// Compare also replays applying every event, superseded or not.
	Compare bool
	// PutLua also replays with every write through put.lua, as before the
	// rebuild's own script (fresh.lua).
	PutLua bool
	// Pin gives the private redis-server's main thread a CPU of its own
	// while the replays run (PinApart), so SLOWLOG times the calls rather
	// than the bench or MariaDB preempting Redis.
	Pin bool
}

// putBatcher sends every replayed write through put.lua (readmodel.Store.Batch).
type putBatcher struct{ rm *readmodel.Store }

func (b putBatcher) Batch() (worker.ReadModels, func(context.Context) error) { return b.rm.Batch() }

// Replay measures rebuilding every read model from event_log: a generated
// history (see GenerateHistory), replayed into a new generation of an empty
// Redis prefix, then checked against MySQL (a replay that is fast but wrong
// fails the benchmark).
func Replay(ctx context.Context, env *Env, cfg ReplayConfig) (Table, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return Table{}, err
	}
	t0 := time.Now()
	h, err := GenerateHistory(ctx, base.Pools.Writer, base.Catalog, cfg.History)
	if err != nil {
		return Table{}, fmt.Errorf("generating the history: %w", err)
	}
	setup := time.Since(t0)
	t := Table{
		Title: fmt.Sprintf("Replay: %d events (%d listings × %d events, %d landlords) from event_log into a new generation",
			h.Events, h.Listings, cfg.History.PerListing, h.Landlords),
		Header: []string{"replay", "events", "took", "events/s", "read-model writes", "CPU: bench process / MariaDB / Redis", "slowest Redis call (SLOWLOG)", "Redis calls over 2 ms"},
	}
	type run struct {
		name string
		all  bool // apply superseded events too
		put  bool // every write through put.lua, as before issue 12
	}
	runs := []run{{"skipping superseded versions (default): new documents through fresh.lua", false, false}}
	if cfg.PutLua {
		runs = append(runs, run{"skipping superseded versions, every write through put.lua (before issue 12)", false, true})
	}
	if cfg.Compare {
		runs = append(runs, run{"applying every event", true, false})
	}
	placement := Placement{}
	if cfg.Pin {
		if placement, err = PinApart(env.Redis); err != nil {
			return Table{}, err
		}
		defer placement.Undo()
	}
	for _, rn := range runs {
		r := system.NewReplayer(base)
		r.ApplySuperseded = rn.all
		r.Logger = nil
		if rn.put {
			r.Batches = putBatcher{base.RM}
		}
		var writes atomic.Int64
		r.Batches = countingBatcher{Batcher: r.Batches, n: &writes}
		env.Redis.resetSlowlog(ctx)
		start, cpu := time.Now(), startCPU(env.servers)
		_, n, err := r.Rebuild(ctx)
		if err != nil {
			return Table{}, err
		}
		took, used := time.Since(start), cpu.stop()
		slow, over := env.Redis.slowlog(ctx, 2*time.Millisecond)
		report, err := check.Run(ctx, base.RM, ops.Checkers(base), check.Options{})
		if err != nil {
			return Table{}, err
		}
		if !report.Clean() {
			return Table{}, fmt.Errorf("the replayed read models differ from MySQL: %d differences, first %+v", len(report.Differences), report.Differences[0])
		}
		t.Add(rn.name, n, took, float64(n)/took.Seconds(), writes.Load(), used, slow, over)
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Generating the history took %s (not measured). After each replay `rentalctl check` found 0 differences.", setup.Round(time.Second)),
		"events counts the events replayed, the superseded ones a default replay skips unread included; read-model writes counts the compare-and-set writes the replay sent (counted as it sent them).",
		env.servers.note(),
		"Placement: "+placement.String()+".",
		"Target (DESIGN §9): replay ≥ 100k events/s from event_log.")
	return t, nil
}

// countingBatcher counts the read-model writes a replay sends through it.
type countingBatcher struct {
	worker.Batcher
	n *atomic.Int64
}

func (b countingBatcher) Batch() (worker.ReadModels, func(context.Context) error) {
	rm, flush := b.Batcher.Batch()
	return countingWrites{rm: rm, n: b.n}, flush
}

type countingWrites struct {
	rm worker.ReadModels
	n  *atomic.Int64
}

func (c countingWrites) PutListing(ctx context.Context, gen string, st events.ListingState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutListing(ctx, gen, st, doc)
}

func (c countingWrites) PutUser(ctx context.Context, gen string, st events.UserState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutUser(ctx, gen, st, doc)
}

func (c countingWrites) PutOrder(ctx context.Context, gen string, st events.OrderState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutOrder(ctx, gen, st, doc)
}

func (c countingWrites) PutFavorite(ctx context.Context, gen string, st events.FavoriteState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutFavorite(ctx, gen, st, doc)
}

func (c countingWrites) PutListingViews(ctx context.Context, gen string, st events.ListingViewsState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutListingViews(ctx, gen, st, doc)
}

func (c countingWrites) PutHistory(ctx context.Context, gen string, st events.HistoryState, doc []byte) (bool, error) {
	c.n.Add(1)
	return c.rm.PutHistory(ctx, gen, st, doc)
}
