// Package relay moves committed events from MySQL to Redis Streams.
//
// Fast path: the api hands the events of each commit to Committed, which
// queues them; publishers send them at once through Watermill's Redis stream
// publisher. Confirmation: in batches, the relay makes sure a Redis replica
// holds what was published (a fence write + WAIT) and only then deletes those
// rows from outbox, so an event the master acknowledged but lost in a
// failover is still in outbox and gets published again. Safety net: a
// periodic sweep (in every api and worker) takes outbox rows older than
// SweepAge with FOR UPDATE SKIP LOCKED, publishes, confirms and deletes them.
// Delivery is at least once; projectors make repeats harmless.
package relay

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/periodic"
)

// Config tunes a Relay. Zero values take the defaults.
type Config struct {
	Prefix        string        // Redis key prefix of the streams
	Publishers    int           // goroutines publishing the fast path (default 4)
	QueueSize     int           // commits waiting for the fast path before it drops (default 10000)
	ConfirmBatch  int           // outbox rows deleted per statement (default 500)
	ConfirmEvery  time.Duration // longest wait before a partial confirm batch is flushed (default 5 ms)
	SweepInterval time.Duration // how often the sweep runs (default 1 s)
	SweepAge      time.Duration // outbox rows younger than this are left to the fast path (default 3 s)
	SweepBatch    int           // rows per sweep transaction (default 500)
}

func (c *Config) defaults() {
	if c.Publishers == 0 {
		c.Publishers = 4
	}
	if c.QueueSize == 0 {
		c.QueueSize = 10000
	}
	if c.ConfirmBatch == 0 {
		c.ConfirmBatch = 500
	}
	if c.ConfirmEvery == 0 {
		c.ConfirmEvery = 5 * time.Millisecond
	}
	if c.SweepInterval == 0 {
		c.SweepInterval = time.Second
	}
	if c.SweepAge == 0 {
		c.SweepAge = 3 * time.Second
	}
	if c.SweepBatch == 0 {
		c.SweepBatch = 500
	}
}

// Confirmer tells when Redis has made what was published so far durable
// enough to forget: a replica acknowledged it (see ReplicaConfirmer).
type Confirmer interface {
	Confirm(ctx context.Context) error
}

// Relay publishes outbox events. Run must be running for anything to move.
type Relay struct {
	cfg     Config
	db      *sql.DB
	pub     message.Publisher
	confirm Confirmer
	log     *slog.Logger
	obs     Observer

	queue     chan []events.Envelope
	published chan int64
}

// Observer receives what the relay did, for metrics. All methods must be cheap.
type Observer interface {
	Published(path string, n int)
	Dropped(n int)
	Confirmed(n int)
	ConfirmFailed()
}

type noObserver struct{}

func (noObserver) Published(string, int) {}
func (noObserver) Dropped(int)           {}
func (noObserver) Confirmed(int)         {}
func (noObserver) ConfirmFailed()        {}

// New returns a relay over the writer pool db publishing with pub.
func New(cfg Config, db *sql.DB, pub message.Publisher, confirm Confirmer, log *slog.Logger, obs Observer) *Relay {
	cfg.defaults()
	if obs == nil {
		obs = noObserver{}
	}
	return &Relay{
		cfg: cfg, db: db, pub: pub, confirm: confirm, log: log.With("component", "relay"), obs: obs,
		queue:     make(chan []events.Envelope, cfg.QueueSize),
		published: make(chan int64, cfg.QueueSize),
	}
}

// Committed queues the events of one commit for immediate publishing. It never
// blocks: when the queue is full (Redis down or slow) the events stay in outbox
// for the sweep.
func (r *Relay) Committed(envs []events.Envelope) {
	select {
	case r.queue <- envs:
	default:
		r.obs.Dropped(len(envs))
	}
}

// Run publishes, confirms and sweeps until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	done := make(chan struct{})
	for range r.cfg.Publishers {
		go func() { r.publishLoop(ctx); done <- struct{}{} }()
	}
	go func() { r.confirmLoop(ctx); done <- struct{}{} }()
	r.sweepLoop(ctx)
	for range r.cfg.Publishers + 1 {
		<-done
	}
	return nil
}

func (r *Relay) publishLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case envs := <-r.queue:
			if err := r.publish(ctx, envs); err != nil {
				r.obs.Dropped(len(envs))
				r.log.Warn("fast-path publish failed; the sweep will retry", "events", len(envs), "err", err)
				continue
			}
			r.obs.Published("fast", len(envs))
			for _, e := range envs {
				select {
				case r.published <- e.Seq:
				default: // confirm queue full: the row stays in outbox and the sweep republishes it
				}
			}
		}
	}
}

// confirmLoop deletes outbox rows in batches once a replica holds them.
func (r *Relay) confirmLoop(ctx context.Context) {
	batch := make([]int64, 0, r.cfg.ConfirmBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if err := r.confirmAndDelete(ctx, r.db, batch); err != nil {
			r.log.Warn("confirming published events failed; the sweep will republish them", "events", len(batch), "err", err)
		}
		batch = batch[:0]
	}
	for {
		select {
		case <-ctx.Done():
			return
		case seq := <-r.published:
			if len(batch) == 0 {
				timer.Reset(r.cfg.ConfirmEvery)
			}
			batch = append(batch, seq)
			if len(batch) >= r.cfg.ConfirmBatch {
				timer.Stop()
				flush()
			}
		case <-timer.C:
			flush()
		}
	}
}

func (r *Relay) confirmAndDelete(ctx context.Context, db mysql.Execer, seqs []int64) error {
	if err := r.confirm.Confirm(ctx); err != nil {
		r.obs.ConfirmFailed()
		return fmt.Errorf("confirming replication: %w", err)
	}
	if err := mysql.DeleteOutbox(ctx, db, seqs); err != nil {
		return err
	}
	r.obs.Confirmed(len(seqs))
	return nil
}

// sweepLoop sweeps at start (what a crash left) and then every SweepInterval.
func (r *Relay) sweepLoop(ctx context.Context) {
	periodic.Run(ctx, r.cfg.SweepInterval, func(ctx context.Context) {
		if _, err := r.Sweep(ctx, r.cfg.SweepAge); err != nil && ctx.Err() == nil {
			r.log.Warn("outbox sweep failed", "err", err)
		}
	})
}

// Sweep publishes every outbox row older than age, batch by batch, and
// returns how many it published. Several relays may sweep at once: each
// batch is locked with FOR UPDATE SKIP LOCKED.
func (r *Relay) Sweep(ctx context.Context, age time.Duration) (int, error) {
	total := 0
	for {
		n, err := r.sweepBatch(ctx, time.Now().UTC().Add(-age))
		total += n
		if err != nil || n < r.cfg.SweepBatch {
			return total, err
		}
	}
}

func (r *Relay) sweepBatch(ctx context.Context, olderThan time.Time) (int, error) {
	tx, err := r.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("beginning sweep: %w", err)
	}
	defer tx.Rollback()
	envs, err := mysql.LockOutboxEvents(ctx, tx, olderThan, r.cfg.SweepBatch)
	if err != nil {
		return 0, err
	}
	if len(envs) == 0 {
		return 0, nil
	}
	if err := r.publish(ctx, envs); err != nil {
		return 0, err
	}
	r.obs.Published("sweep", len(envs))
	seqs := make([]int64, len(envs))
	for i, e := range envs {
		seqs[i] = e.Seq
	}
	if err := r.confirmAndDelete(ctx, tx, seqs); err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("committing sweep: %w", err)
	}
	r.log.Info("outbox sweep published leftovers", "events", len(envs))
	return len(envs), nil
}

// publish sends envelopes to their aggregate's stream, in order.
func (r *Relay) publish(ctx context.Context, envs []events.Envelope) error {
	for _, e := range envs {
		msg, err := Message(e)
		if err != nil {
			return err
		}
		msg.SetContext(ctx)
		if err := r.pub.Publish(events.Stream(r.cfg.Prefix, e.AggregateType), msg); err != nil {
			return fmt.Errorf("publishing %s: %w", e.Type, err)
		}
	}
	return nil
}

// Message wraps an envelope for Watermill: the message id is the event id and
// the payload the encoded envelope.
func Message(e events.Envelope) (*message.Message, error) {
	body, err := events.Encode(e)
	if err != nil {
		return nil, fmt.Errorf("encoding %s: %w", e.Type, err)
	}
	msg := message.NewMessage(e.ID.String(), body)
	msg.Metadata.Set("type", string(e.Type))
	return msg, nil
}

// ErrNotReplicated means no replica acknowledged the writes in time.
var ErrNotReplicated = errors.New("no replica acknowledged the published events in time")
