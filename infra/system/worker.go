package system

import (
	"context"
	"errors"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/jobs"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/observe"
	"github.com/zufang/rental/infra/periodic"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/worker"
)

// Worker is one worker replica: projectors behind the stream router, the
// outbox sweep, and a watchdog that builds missing read models.
type Worker struct {
	Base       *Base
	Projectors *worker.Projectors
	Relay      *relay.Relay
	Metrics    *observe.Metrics
	// Subscribe makes each subscription's subscriber over its own client.
	// NewWorker sets the batched one (Batched: XREADGROUP COUNT 100, one XACK
	// per batch); Watermill's (stream.NewSubscriber, one entry at a time)
	// costs the worker and Redis more CPU per event (issue 12, rentalbench
	// --scenarios workers compares both; docs/ARCHITECTURE.md, "Workers").
	Subscribe  func(client goredis.UniversalClient, cfg stream.SubscriberConfig, log watermill.LoggerAdapter) (message.Subscriber, error)
	deadLetter message.Publisher
}

// Batched is stream.NewBatched as a Worker's Subscribe.
func Batched(client goredis.UniversalClient, cfg stream.SubscriberConfig, log watermill.LoggerAdapter) (message.Subscriber, error) {
	return stream.NewBatched(client, cfg, log)
}

// NewWorker assembles a worker replica on b.
func NewWorker(b *Base) (*Worker, error) {
	metrics := observe.NewMetrics()
	rel, err := b.NewRelay(metrics.Relay())
	if err != nil {
		return nil, err
	}
	dlq, err := stream.NewPublisher(b.Redis.Master, b.WMLog)
	if err != nil {
		return nil, err
	}
	w := &Worker{Base: b, Projectors: worker.NewProjectors(b.RM, metrics), Relay: rel, Metrics: metrics, Subscribe: Batched, deadLetter: dlq}
	metrics.WatchBacklog(w.backlog())
	return w, nil
}

// backlog is what the worker's /metrics reads at every scrape: the outbox,
// the streams and their groups, the dead letters and rebuilds under way.
func (w *Worker) backlog() observe.Backlog {
	b := w.Base
	streams := w.retention().Streams
	dead := events.DeadLetterStream(b.Cfg.Prefix)
	return observe.Backlog{
		Outbox: func(ctx context.Context) (int64, time.Duration, error) {
			return mysql.OutboxBacklog(ctx, b.Pools.Writer)
		},
		Streams:     stream.Stats(b.Redis.Master, streams),
		DeadLetters: func(ctx context.Context) (int64, error) { return b.Redis.Master.XLen(ctx, dead).Result() },
		Rebuilding: func(ctx context.Context) (map[string]bool, error) {
			out := map[string]bool{}
			for _, name := range w.Projectors.Names() {
				_, building, err := b.RM.Generations(ctx, name)
				if err != nil {
					return nil, err
				}
				out[name] = building != readmodel.NoGeneration
			}
			return out, nil
		},
		Log: b.Log,
	}
}

// Replayer returns a replayer over this worker's projectors.
func (w *Worker) Replayer() worker.Replayer {
	return replayer(w.Base, w.Projectors)
}

// NewReplayer rebuilds read models from the writer's event_log (rentalctl replay).
func NewReplayer(b *Base) worker.Replayer {
	return replayer(b, worker.NewProjectors(b.RM, nil))
}

// replayer sends the projectors' writes in pipelined batches, those into
// the generations it builds through the rebuild's own script (fresh.lua).
func replayer(b *Base, p *worker.Projectors) worker.Replayer {
	return worker.Replayer{Log: mysql.NewEventLog(b.Pools.Writer), Gens: b.RM, Projectors: p, Batches: batcher{b.RM}, Logger: b.Log}
}

// AbortRebuilds abandons the rebuilds under way of the named projections (all
// when none is named) and returns those it abandoned.
func AbortRebuilds(ctx context.Context, b *Base, r worker.Replayer, names ...string) ([]string, error) {
	building, err := r.Building(ctx)
	if err != nil {
		return nil, err
	}
	var aborted []string
	for _, name := range building {
		if len(names) > 0 && !slices.Contains(names, name) {
			continue
		}
		if err := b.RM.AbortRebuild(ctx, name); err != nil {
			return aborted, err
		}
		aborted = append(aborted, name)
	}
	return aborted, nil
}

// batcher adapts the read-model store's rebuild batches to the worker's port.
type batcher struct{ rm *readmodel.Store }

func (b batcher) Batch() (worker.ReadModels, func(context.Context) error) { return b.rm.RebuildBatch() }

// Run consumes until ctx ends. The router is rebuilt after a failure (Redis
// away at start-up, say), so the worker recovers on its own.
func (w *Worker) Run(ctx context.Context) error {
	go func() { _ = w.Relay.Run(ctx) }()
	go w.Base.RM.Run(ctx)
	go w.watchdog(ctx)
	go w.retention().Run(ctx, w.Base.Cfg.StreamTrimEvery)
	go NewStayJob(w.Base, w.Relay).Run(ctx)
	go jobs.ForgetCommands{Records: mysql.NewCommandRunner(w.Base.Pools.Writer, nil), Window: w.Base.Cfg.IdempotencyWindow,
		Log: w.Base.Log}.Run(ctx)
	go jobs.ForgetViewers{Records: mysql.NewViewStore(mysql.NewCommandRunner(w.Base.Pools.Writer, nil)), Log: w.Base.Log}.Run(ctx)
	for ctx.Err() == nil {
		err := w.consume(ctx)
		if ctx.Err() != nil {
			return nil
		}
		w.Base.Log.Warn("consumption stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
	return nil
}

func (w *Worker) consume(ctx context.Context) error {
	cfg := w.Base.Cfg
	router, err := worker.NewRouter(worker.RouterConfig{Prefix: cfg.Prefix, WorkerID: cfg.WorkerID, Consumers: cfg.Consumers},
		func(consumer string) (message.Subscriber, error) {
			// A subscriber closes its client with it: each gets its own, with
			// a connection per stream (each holds one in a blocking read) and
			// one per stream for acknowledgements and claims.
			pool := 2*len(events.Aggregates) + 2
			return w.Subscribe(redis.NewMaster(cfg.Redis, pool), stream.SubscriberConfig{Consumer: consumer}, w.Base.WMLog)
		}, w.deadLetter, w.Projectors, w.Base.WMLog)
	if err != nil {
		return err
	}
	return router.Run(ctx)
}

// watchdog builds any read model that has no live generation (on a fresh
// Redis, or after Redis lost its data) and deletes generations a replay
// retired once readers have moved on. It checks every few seconds.
func (w *Worker) watchdog(ctx context.Context) {
	periodic.Run(ctx, 5*time.Second, func(ctx context.Context) {
		if err := w.EnsureBuilt(ctx); err != nil && ctx.Err() == nil {
			w.Base.Log.Warn("building read models failed; will retry", "err", err)
		}
		if err := w.dropRetired(ctx); err != nil && ctx.Err() == nil {
			w.Base.Log.Warn("deleting retired read-model generations failed; will retry", "err", err)
		}
	})
}

// EnsureBuilt rebuilds every projection that has no live generation, unless
// another process holds the rebuild lock.
func (w *Worker) EnsureBuilt(ctx context.Context) error {
	var missing []string
	for _, name := range w.Projectors.Names() {
		live, _, err := w.Base.RM.Generations(ctx, name)
		if err != nil {
			return err
		}
		if live == readmodel.NoGeneration {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	held, release, ok, err := w.Base.RM.RebuildLock(ctx, w.Base.Cfg.WorkerID)
	if err != nil || !ok {
		return err
	}
	defer release()
	w.Base.Log.Info("building read models", "projections", missing)
	_, _, err = w.Replayer().Rebuild(held, missing...)
	return err
}

// retention trims the event streams (not the dead letters: an operator
// decides about those).
func (w *Worker) retention() stream.Retention {
	r := stream.Retention{Client: w.Base.Redis.Master, MaxLen: w.Base.Cfg.StreamMaxLen, Log: w.Base.Log}
	for _, agg := range events.Aggregates {
		r.Streams = append(r.Streams, events.Stream(w.Base.Cfg.Prefix, agg))
	}
	return r
}

func (w *Worker) dropRetired(ctx context.Context) error {
	for _, name := range w.Projectors.Names() {
		dropped, err := w.Base.RM.DropRetired(ctx, name, w.Base.Cfg.GenerationGrace)
		if err != nil {
			return err
		}
		if len(dropped) > 0 {
			w.Base.Log.Info("deleted retired read-model generations", "projection", name, "generations", dropped)
		}
	}
	return nil
}

// NewStayJob returns the job that ends stays that are over (paid →
// wait_comment), issuing commands through b's writer; rel may be nil (the
// outbox sweep then publishes).
func NewStayJob(b *Base, rel *relay.Relay) jobs.Stays {
	committed := func([]events.Envelope) {}
	if rel != nil {
		committed = rel.Committed
	}
	runner := mysql.NewCommandRunner(b.Pools.Writer, committed)
	cmds := command.New(command.Deps{Orders: mysql.NewOrderStore(runner, b.Catalog), Catalog: b.Catalog}, observe.Logging(b.Log))
	return jobs.Stays{Due: mysql.NewOrderStore(runner, b.Catalog), End: cmds.EndStay, Log: b.Log}
}

// ServeHealth serves /healthz on ln until ctx ends.
func ServeHealth(ctx context.Context, ln net.Listener, mux *http.ServeMux) error {
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"status":"ok"}`))
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
