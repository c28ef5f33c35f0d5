package system

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/jobs"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/observe"
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
	deadLetter message.Publisher
}

// NewWorker assembles a worker replica on b.
func NewWorker(b *Base) (*Worker, error) {
	rel, err := b.NewRelay(nil)
	if err != nil {
		return nil, err
	}
	dlq, err := stream.NewPublisher(b.Redis.Master, b.WMLog)
	if err != nil {
		return nil, err
	}
	return &Worker{Base: b, Projectors: worker.NewProjectors(b.RM, nil), Relay: rel, deadLetter: dlq}, nil
}

// Replayer returns a replayer over this worker's projectors.
func (w *Worker) Replayer() worker.Replayer {
	return NewReplayer(w.Base, w.Projectors)
}

// NewReplayer rebuilds read models from the writer's event_log.
func NewReplayer(b *Base, p *worker.Projectors) worker.Replayer {
	return worker.Replayer{Log: mysql.NewEventLog(b.Pools.Writer), Gens: b.RM, Projectors: p, Logger: b.Log}
}

// Run consumes until ctx ends. The router is rebuilt after a failure (Redis
// away at start-up, say), so the worker recovers on its own.
func (w *Worker) Run(ctx context.Context) error {
	go func() { _ = w.Relay.Run(ctx) }()
	go w.Base.RM.Run(ctx)
	go w.watchdog(ctx)
	go NewStayJob(w.Base, w.Relay).Run(ctx)
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
			// Watermill closes a subscriber's client with it: each gets its own,
			// with a connection per stream (each holds one in a blocking read)
			// and a few for acknowledgements and claims.
			pool := len(events.Aggregates) + 4
			return stream.NewSubscriber(redis.NewMaster(cfg.Redis, pool), stream.SubscriberConfig{Consumer: consumer}, w.Base.WMLog)
		}, w.deadLetter, w.Projectors, w.Base.WMLog)
	if err != nil {
		return err
	}
	return router.Run(ctx)
}

// watchdog builds any read model that has no live generation: on a fresh
// Redis, or after Redis lost its data. It checks every few seconds.
func (w *Worker) watchdog(ctx context.Context) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		if err := w.EnsureBuilt(ctx); err != nil && ctx.Err() == nil {
			w.Base.Log.Warn("building read models failed; will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
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
		if live == "" {
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

// NewStayJob returns the job that ends stays that are over (paid →
// wait_comment), issuing commands through b's writer; rel may be nil (the
// outbox sweep then publishes).
func NewStayJob(b *Base, rel *relay.Relay) jobs.Stays {
	committed := func([]events.Envelope) {}
	if rel != nil {
		committed = rel.Committed
	}
	writer := mysql.NewWriter(b.Pools.Writer, committed)
	cmds := command.New(command.Deps{Orders: mysql.NewOrderStore(writer, b.Catalog), Catalog: b.Catalog}, observe.Logging(b.Log))
	return jobs.Stays{Due: mysql.NewOrderStore(writer, b.Catalog), End: cmds.EndStay, Log: b.Log}
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
