package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
)

// CheckConfig shapes the check benchmark.
type CheckConfig struct {
	Listings int
	Tamper   int // documents to tamper with before a check --repair
}

// Check measures `rentalctl check` over many listings: a generated history
// (created and published listings), read models built by a replay, then a
// check that must find nothing, and a check --repair after tampering with
// some documents' bodies at the same version.
func Check(ctx context.Context, env *Env, cfg CheckConfig) (Table, error) {
	base, err := env.Open(ctx)
	if err != nil {
		return Table{}, err
	}
	h, err := GenerateHistory(ctx, base.Pools.Writer, base.Catalog, HistoryConfig{Landlords: 2000, Listings: cfg.Listings, PerListing: 2})
	if err != nil {
		return Table{}, err
	}
	replayStart := time.Now()
	if _, _, err := system.NewReplayer(base).Rebuild(ctx); err != nil {
		return Table{}, err
	}
	replayTook := time.Since(replayStart)
	t := Table{
		Title:  fmt.Sprintf("Check: %d listings and %d users against their read models", h.Listings, h.Landlords),
		Header: []string{"run", "took", "documents/s", "differences", "repaired"},
	}
	run := func(name string, repair bool) (check.Report, error) {
		start := time.Now()
		r, err := check.Run(ctx, base.RM, ops.Checkers(base), check.Options{Repair: repair})
		if err != nil {
			return r, err
		}
		took := time.Since(start)
		docs := r.Checked[readmodel.Listings] + r.Checked[readmodel.Users]
		t.Add(name, took, float64(docs)/took.Seconds(), len(r.Differences), r.Repaired)
		return r, nil
	}
	if r, err := run("check, nothing differs", false); err != nil || !r.Clean() {
		return t, fmt.Errorf("a fresh replay must check clean: %d differences (%v)", len(r.Differences), err)
	}
	if cfg.Tamper > 0 {
		gen, _, err := base.RM.Generations(ctx, readmodel.Listings)
		if err != nil {
			return t, err
		}
		prefix := env.Cfg.Prefix + "rm:listings:" + gen + ":"
		pipe := base.Redis.Master.Pipeline()
		n := 0
		iter := base.Redis.Master.Scan(ctx, 0, prefix+"listing:*", 1000).Iterator()
		for iter.Next(ctx) && n < cfg.Tamper {
			pipe.HSet(ctx, iter.Val(), "d", `{"tampered":true}`)
			n++
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return t, err
		}
		r, err := run(fmt.Sprintf("check --repair, %d documents tampered with", n), true)
		if err != nil {
			return t, err
		}
		if !r.Clean() || r.Repaired != n {
			return t, fmt.Errorf("--repair fixed %d of %d tampered documents, %d differences remain", r.Repaired, n, r.Unrepaired())
		}
	}
	t.Notes = append(t.Notes, fmt.Sprintf("The read models were built by a replay of %d events in %s (not part of the check).",
		h.Events, replayTook.Round(time.Millisecond)))
	return t, nil
}
