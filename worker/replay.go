package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/zufang/rental/events"
)

// EventLog reads the permanent event log.
type EventLog interface {
	// Read returns up to limit events with seq > after, in seq order, of the
	// given types (all types when empty).
	Read(ctx context.Context, after int64, limit int, types []events.Type) ([]events.Envelope, error)
	// LastSeq returns the highest seq so far.
	LastSeq(ctx context.Context) (int64, error)
}

// Generations manages the generations of the read models.
type Generations interface {
	Generations(ctx context.Context, projection string) (live, building string, err error)
	StartRebuild(ctx context.Context, projection string) (string, error)
	Switch(ctx context.Context, projection, gen string) (old string, err error)
	DropGeneration(ctx context.Context, projection, gen string) (int, error)
}

// Replayer rebuilds read models from event_log while the live ones keep
// serving. For each projection it marks a new generation as building (from
// then on every projector write also goes there), replays event_log into it,
// and when it has caught up switches the live generation in one step.
// Because writes are version compare-and-sets, replay and live events may
// reach the new generation in any order and the highest version still wins.
type Replayer struct {
	Log        EventLog
	Gens       Generations
	Projectors *Projectors
	Batch      int // events read per query (default 5000)
	// Progress, if set, is called after every batch with events done and the
	// event_log size when the replay started.
	Progress func(done, total int64)
	Logger   *slog.Logger
}

// Rebuilt is one projection's rebuild: the generation now live, and the one it
// replaced (to be dropped once readers have moved on).
type Rebuilt struct {
	Projection string
	Gen        string
	Old        string
}

// Rebuild rebuilds the named projections (every one when none is named).
func (r Replayer) Rebuild(ctx context.Context, names ...string) ([]Rebuilt, int64, error) {
	if len(names) == 0 {
		names = r.Projectors.Names()
	}
	types, err := r.Projectors.Types(names...)
	if err != nil {
		return nil, 0, err
	}
	gens := map[string]string{}
	for _, name := range names {
		if gens[name], err = r.Gens.StartRebuild(ctx, name); err != nil {
			return nil, 0, err
		}
	}
	total, err := r.Log.LastSeq(ctx)
	if err != nil {
		return nil, 0, err
	}
	batch := r.Batch
	if batch == 0 {
		batch = 5000
	}
	var after, done int64
	start := time.Now()
	for {
		evs, err := r.Log.Read(ctx, after, batch, types)
		if err != nil {
			return nil, done, fmt.Errorf("reading event_log after %d: %w", after, err)
		}
		for _, e := range evs {
			proj, ok := r.Projectors.Projection(e.Type)
			if !ok {
				continue
			}
			if _, err := proj.Apply(ctx, gens[proj.Name], e); err != nil {
				return nil, done, fmt.Errorf("replaying %s seq %d: %w", e.Type, e.Seq, err)
			}
		}
		done += int64(len(evs))
		if len(evs) > 0 {
			after = evs[len(evs)-1].Seq
		}
		if r.Progress != nil {
			r.Progress(done, total)
		}
		if len(evs) < batch {
			break // caught up: newer events reach the new generation through the workers
		}
	}
	out := make([]Rebuilt, 0, len(names))
	for _, name := range names {
		old, err := r.Gens.Switch(ctx, name, gens[name])
		if err != nil {
			return out, done, err
		}
		out = append(out, Rebuilt{Projection: name, Gen: gens[name], Old: old})
	}
	if r.Logger != nil {
		r.Logger.Info("read models rebuilt", "projections", names, "events", done, "took", time.Since(start).Round(time.Millisecond))
	}
	return out, done, nil
}
