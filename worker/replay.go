package worker

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/zufang/rental/events"
)

// EventLog reads the permanent event log.
type EventLog interface {
	// Read returns up to q.Limit events with q.After < seq <= q.UpTo, in seq
	// order, leaving out the superseded ones (see LogQuery).
	Read(ctx context.Context, q LogQuery) ([]events.Envelope, error)
	// LastSeq returns the highest seq so far.
	LastSeq(ctx context.Context) (int64, error)
	// Count returns how many events of the types (all when empty) have after < seq <= upTo.
	Count(ctx context.Context, after, upTo int64, types []events.Type) (int64, error)
}

// LatestReader is an EventLog that lists the newest event of every
// aggregate at once and reads events by seq: for projections that keep
// only the newest version (LatestOnly) that reads a tenth of a ten-version
// log, where Read walks all of it (infra/mysql, LatestSeqs).
type LatestReader interface {
	// LatestSeqs returns, in order, the seqs in (after, upTo] of each
	// aggregate's newest event, of the types (all when empty).
	LatestSeqs(ctx context.Context, after, upTo int64, types []events.Type) ([]int64, error)
	// ReadSeqs returns the events of seqs (ascending), in seq order.
	ReadSeqs(ctx context.Context, seqs []int64) ([]events.Envelope, error)
}

// LogQuery selects a batch of event_log for replay.
type LogQuery struct {
	After, UpTo int64
	Limit       int
	Types       []events.Type // every type when empty
	// Superseded lists types whose events are left out when a newer version
	// of the same aggregate is in event_log: that version carries everything
	// they would write. Replay counts them as done (Count) without reading them.
	Superseded []events.Type
}

// Generations manages the generations of the read models.
type Generations interface {
	Generations(ctx context.Context, projection string) (live, building string, err error)
	StartRebuild(ctx context.Context, projection string) (string, error)
	Switch(ctx context.Context, projection, gen string) (old string, err error)
	// Position is how far the rebuild of gen got (0: not started); SetPosition records it.
	Position(ctx context.Context, projection, gen string) (int64, error)
	SetPosition(ctx context.Context, projection, gen string, seq int64) error
}

// Batcher hands out read models whose writes are queued and sent together by
// flush, so replay does not pay one round trip per event.
type Batcher interface {
	Batch() (ReadModels, func(context.Context) error)
}

// Replayer rebuilds read models from event_log while the live ones keep
// serving. For each projection it marks a new generation as building (from
// then on every projector write also goes there), replays event_log into it,
// and when it has caught up switches the live generation in one step.
// Because writes are version compare-and-sets, replay and live events may
// reach the new generation in any order and the highest version still wins.
//
// Catching up means reaching the highest seq that existed once the new
// generation was building. Anything later, and anything whose seq the replay
// passed before it was committed (seq is allocated at insert, not at commit,
// so it is not in commit order, least of all on a multi-primary cluster), was
// committed after the generation started building: the workers write it to
// the new generation themselves. The same argument makes resuming safe: after
// every batch the replay records the seq it reached, and a replay that
// restarts after a crash continues the same generation from there.
type Replayer struct {
	Log        EventLog
	Gens       Generations
	Projectors *Projectors
	Batches    Batcher // nil: one write (one round trip) at a time
	Batch      int     // events read per query (default 10000)
	// Parallel is how many goroutines apply a batch with Batches (default 8);
	// without, one does.
	Parallel int
	// FlushEvery is how many events each of those goroutines applies before
	// it sends their writes (default 512): the others decode meanwhile, so
	// Redis is not left idle while a whole batch is decoded.
	FlushEvery int
	// ApplySuperseded applies every event, even those a newer version of the
	// same aggregate supersedes (to compare; the result is the same).
	ApplySuperseded bool
	// Progress, if set, is called after every batch with the events done and
	// the events to do in all (the count when the replay started).
	Progress func(done, total int64)
	Logger   *slog.Logger
}

// Rebuilt is one projection's rebuild: the generation now live, and the one it
// replaced (retired, to be dropped once readers have moved on).
type Rebuilt struct {
	Projection string
	Gen        string
	Old        string
}

// Rebuild rebuilds the named projections (every one when none is named) and
// returns them with the number of events replayed.
func (r Replayer) Rebuild(ctx context.Context, names ...string) ([]Rebuilt, int64, error) {
	if len(names) == 0 {
		names = r.Projectors.Names()
	}
	types, err := r.Projectors.Types(names...)
	if err != nil {
		return nil, 0, err
	}
	if len(names) == len(r.Projectors.Names()) {
		// Every read model: read every event (projectors ignore types they
		// do not handle), so counting and reading need no filter on type.
		types = nil
	}
	gens := map[string]string{}
	after := int64(-1)
	for _, name := range names {
		if gens[name], err = r.Gens.StartRebuild(ctx, name); err != nil {
			return nil, 0, err
		}
		pos, err := r.Gens.Position(ctx, name, gens[name])
		if err != nil {
			return nil, 0, err
		}
		if after < 0 || pos < after {
			after = pos
		}
	}
	upTo, err := r.Log.LastSeq(ctx)
	if err != nil {
		return nil, 0, err
	}
	// The count (a scan of an index of every event, ~0.3 s at 1M) is only
	// for the progress report: it runs beside the first batches instead of
	// before them, while Redis would wait.
	count := make(chan counted, 1)
	go func() {
		n, err := r.Log.Count(ctx, after, upTo, types)
		count <- counted{n, err}
	}()
	start := time.Now()
	q := LogQuery{After: after, UpTo: upTo, Limit: r.batch(), Types: types}
	latestOnly := false
	if !r.ApplySuperseded {
		q.Superseded = r.Projectors.LatestOnly(names...)
		all, _ := r.Projectors.Types(names...)
		latestOnly = len(q.Superseded) == len(all) // every projection keeps only the newest version
	}
	done, err := r.replay(ctx, names, gens, q, latestOnly, count, after > 0)
	if err != nil {
		return nil, done, err
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
		took := time.Since(start)
		r.Logger.Info("read models rebuilt", "projections", names, "events", done, "took", took.Round(time.Millisecond),
			"events_per_s", int64(float64(done)/max(took.Seconds(), 1e-9)))
	}
	return out, done, nil
}

func (r Replayer) flushEvery() int {
	if r.FlushEvery > 0 {
		return r.FlushEvery
	}
	// ~40 µs of our CPU each (~20 ms), ~50 fresh.lua calls of ~0.8 ms:
	// enough listings that a call's are mostly of one district (fresh.go).
	return 512
}

func (r Replayer) batch() int {
	if r.Batch > 0 {
		return r.Batch
	}
	return 10000 // ~1,000 documents after superseded versions: 8 parts of ~125
}

// counted is the number of events to replay, or why it is not known.
type counted struct {
	n   int64
	err error
}

// replay reads event_log one batch ahead of the batch being applied, applies
// each and records the position reached. Superseded events are never read,
// so how many events a batch covered is estimated from its seq range for the
// progress report (exact when seq has no gaps); the total (from count, read
// once the first batch is applied) is exact. The first read is a tenth of a
// batch, so Redis starts writing after a short read instead of a full one.
//
// When every projection rebuilt keeps only the newest version (latestOnly)
// and the log is a LatestReader, the newest event of every aggregate is
// listed once (beside the first batches, read as before meanwhile) and the
// rest is read by seq: the same events, without MariaDB walking the
// superseded ones.
func (r Replayer) replay(ctx context.Context, names []string, gens map[string]string, q LogQuery, latestOnly bool,
	count <-chan counted, resuming bool) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	total := int64(-1)
	getTotal := func() error {
		if total >= 0 {
			return nil
		}
		c := <-count
		if c.err != nil {
			return c.err
		}
		total = c.n
		if resuming && r.Logger != nil {
			r.Logger.Info("resuming an interrupted rebuild", "after_seq", q.After, "events_left", total)
		}
		return nil
	}
	type read struct {
		evs    []events.Envelope
		covers int64 // the batch accounts for the seq range up to here
		err    error
	}
	start, span := q.After, max(q.UpTo-q.After, 1)
	batches := make(chan read, 1)
	go func(q LogQuery) {
		defer close(batches)
		type listed struct {
			seqs []int64
			err  error
		}
		lr, _ := r.Log.(LatestReader)
		var latest chan listed
		if latestOnly && lr != nil {
			latest = make(chan listed, 1)
			go func(after int64) {
				seqs, err := lr.LatestSeqs(ctx, after, q.UpTo, q.Types)
				latest <- listed{seqs, err}
			}(q.After)
		}
		var seqs []int64 // the newest events not read yet, once listed
		listedAll := false
		limit := q.Limit
		q.Limit = max(limit/10, 1)
		for q.After < q.UpTo {
			if latest != nil && !listedAll {
				select {
				case l := <-latest:
					if l.err != nil {
						select {
						case batches <- read{err: fmt.Errorf("listing event_log after %d: %w", q.After, l.err)}:
						case <-ctx.Done():
						}
						return
					}
					listedAll = true
					seqs = l.seqs[sort.Search(len(l.seqs), func(i int) bool { return l.seqs[i] > q.After }):]
				default:
				}
			}
			var evs []events.Envelope
			var err error
			covers := q.UpTo
			if listedAll {
				n := min(len(seqs), q.Limit)
				if evs, err = lr.ReadSeqs(ctx, seqs[:n]); n < len(seqs) {
					covers = seqs[n-1]
				}
				seqs = seqs[n:]
			} else {
				evs, err = r.Log.Read(ctx, q)
				if len(evs) == q.Limit {
					covers = evs[len(evs)-1].Seq
				}
			}
			if err != nil {
				err = fmt.Errorf("reading event_log after %d: %w", q.After, err)
			}
			q.Limit = limit
			select {
			case batches <- read{evs, covers, err}:
			case <-ctx.Done():
				return
			}
			if err != nil {
				return
			}
			q.After = covers
		}
	}(q)
	var done int64
	for b := range batches {
		if b.err != nil {
			return done, b.err
		}
		if err := r.applyRetrying(ctx, gens, b.evs); err != nil {
			return done, err
		}
		for _, name := range names {
			if err := r.Gens.SetPosition(ctx, name, gens[name], b.covers); err != nil {
				return done, err
			}
		}
		if err := getTotal(); err != nil {
			return done, err
		}
		done = total * (b.covers - start) / span
		if r.Progress != nil {
			r.Progress(done, total)
		}
	}
	if err := ctx.Err(); err != nil {
		return done, err
	}
	// Nothing to read (an empty log, or nothing after a resumed position):
	// the count still says so.
	return done, getTotal()
}

// applyRetrying applies a batch, again after a failure (Redis briefly away):
// every write is a compare-and-set, so applying twice is harmless.
func (r Replayer) applyRetrying(ctx context.Context, gens map[string]string, evs []events.Envelope) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			if r.Logger != nil {
				r.Logger.Warn("replaying a batch failed; trying again", "from_seq", evs[0].Seq, "err", err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt*attempt) * 200 * time.Millisecond):
			}
		}
		if err = r.apply(ctx, gens, evs); err == nil || ctx.Err() != nil {
			return err
		}
	}
	return err
}

// apply projects a batch into the generations being built. With a Batcher,
// the batch is split by aggregate over parallel goroutines (decoding is the
// costly part on our side), each sending its writes in one pipeline; an
// aggregate's events stay together and in order.
func (r Replayer) apply(ctx context.Context, gens map[string]string, evs []events.Envelope) error {
	if len(evs) == 0 {
		return nil
	}
	if r.Batches == nil {
		return r.applyPart(ctx, r.Projectors, gens, evs)
	}
	parts := r.Parallel
	if parts <= 0 {
		// More goroutines than cores: each decodes its part, then waits on
		// Redis for its pipelines; with two (the cores here) Redis sat idle
		// while both decoded, and the decoding while both waited (a 1M-event
		// replay kept Redis 59% busy; docs/BENCHMARKS.md, issue 12 item 5).
		parts = 8
	}
	split := make([][]events.Envelope, parts)
	for _, e := range evs {
		h := fnv.New32a()
		_, _ = h.Write(e.AggregateID[:])
		i := int(h.Sum32() % uint32(parts))
		split[i] = append(split[i], e)
	}
	var wg sync.WaitGroup
	errs := make([]error, parts)
	for i, part := range split {
		if len(part) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			rm, flush := r.Batches.Batch()
			p := r.Projectors.Over(rm)
			for len(part) > 0 && errs[i] == nil {
				n := min(len(part), r.flushEvery())
				if errs[i] = r.applyPart(ctx, p, gens, part[:n]); errs[i] == nil {
					errs[i] = flush(ctx)
				}
				part = part[n:]
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (r Replayer) applyPart(ctx context.Context, p *Projectors, gens map[string]string, evs []events.Envelope) error {
	for _, e := range evs {
		proj, ok := p.Projection(e.Type)
		if !ok || gens[proj.Name] == NoGeneration {
			continue
		}
		if _, err := proj.Apply(ctx, gens[proj.Name], e); err != nil {
			return fmt.Errorf("replaying %s seq %d: %w", e.Type, e.Seq, err)
		}
	}
	return nil
}

// Building lists the projections with a rebuild under way (perhaps
// interrupted), other than those named.
func (r Replayer) Building(ctx context.Context, except ...string) ([]string, error) {
	var out []string
	for _, name := range r.Projectors.Names() {
		if slices.Contains(except, name) {
			continue
		}
		_, building, err := r.Gens.Generations(ctx, name)
		if err != nil {
			return nil, err
		}
		if building != NoGeneration {
			out = append(out, name)
		}
	}
	return out, nil
}
