package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/system"
)

// ReplayConfig shapes the replay benchmark.
type ReplayConfig struct {
	History HistoryConfig
	// Compare also replays applying every event, superseded or not.
	Compare bool
}

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
		Header: []string{"replay", "events", "took", "events/s", "read-model writes", "CPU: bench process / MariaDB / Redis"},
	}
	runs := []bool{false}
	if cfg.Compare {
		runs = append(runs, true)
	}
	for _, all := range runs {
		r := system.NewReplayer(base)
		r.ApplySuperseded = all
		r.Logger = nil
		start, cpu := time.Now(), startCPU(env.Redis.PID)
		_, n, err := r.Rebuild(ctx)
		if err != nil {
			return Table{}, err
		}
		took, used := time.Since(start), cpu.stop()
		report, err := check.Run(ctx, base.RM, ops.Checkers(base), check.Options{})
		if err != nil {
			return Table{}, err
		}
		if !report.Clean() {
			return Table{}, fmt.Errorf("the replayed read models differ from MySQL: %d differences, first %+v", len(report.Differences), report.Differences[0])
		}
		name, writes := "skipping superseded versions (default)", fmt.Sprint(h.Listings+h.Landlords)
		if all {
			name, writes = "applying every event", fmt.Sprint(h.Events)
		}
		t.Add(name, n, took, float64(n)/took.Seconds(), writes, used)
	}
	t.Notes = append(t.Notes, fmt.Sprintf("Generating the history took %s (not measured). After each replay `rentalctl check` found 0 differences.", setup.Round(time.Second)),
		"Target (DESIGN §9): replay ≥ 100k events/s from event_log.")
	return t, nil
}
