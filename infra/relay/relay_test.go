package relay_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

// counts is the relay's observer: what it published, dropped and confirmed.
type counts struct {
	published, dropped, confirmed, confirmFailed atomic.Int64
}

func (c *counts) Published(_ string, n int) { c.published.Add(int64(n)) }
func (c *counts) Dropped(n int)             { c.dropped.Add(int64(n)) }
func (c *counts) Confirmed(n int)           { c.confirmed.Add(int64(n)) }
func (c *counts) ConfirmFailed()            { c.confirmFailed.Add(1) }

// committed writes n events of one listing the way a command's commit does
// (event_log and outbox, created at), and returns their envelopes with seq.
func committed(t *testing.T, db *sql.DB, n int, at time.Time) []events.Envelope {
	t.Helper()
	listing := uuid.Must(uuid.NewV7())
	out := make([]events.Envelope, n)
	for i := range out {
		e := events.Envelope{ID: uuid.Must(uuid.NewV7()), Type: events.ListingUpdated, AggregateType: events.AggregateListing,
			AggregateID: listing, Version: int64(i + 1), OccurredAt: at.UTC().Truncate(time.Microsecond), Actor: "test",
			CorrelationID: "relay-test", Payload: []byte(fmt.Sprintf(`{"id":%q,"version":%d}`, listing, i+1))}
		res, err := db.Exec(`INSERT INTO event_log (id, type, aggregate_type, aggregate_id, version, occurred_at, actor, correlation_id, payload)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID[:], string(e.Type), e.AggregateType, e.AggregateID[:], e.Version, e.OccurredAt,
			e.Actor, e.CorrelationID, string(e.Payload))
		if err != nil {
			t.Fatal(err)
		}
		if e.Seq, err = res.LastInsertId(); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO outbox (seq, created_at) VALUES (?, ?)`, e.Seq, at.UTC()); err != nil {
			t.Fatal(err)
		}
		out[i] = e
	}
	return out
}

func outboxRows(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// published returns the event ids on the listings stream, in stream order.
func published(t *testing.T, rdb goredis.UniversalClient, prefix string) []string {
	t.Helper()
	entries, err := rdb.XRange(context.Background(), events.Stream(prefix, events.AggregateListing), "-", "+").Result()
	if err != nil && !errors.Is(err, goredis.Nil) {
		t.Fatal(err)
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i], _ = e.Values["_watermill_message_uuid"].(string)
	}
	return ids
}

func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newRelay(t *testing.T, cfg relay.Config, db *sql.DB, rdb goredis.UniversalClient, confirm relay.Confirmer, obs relay.Observer) *relay.Relay {
	t.Helper()
	pub, err := stream.NewPublisher(rdb, stream.Logger(testenv.Logger()))
	if err != nil {
		t.Fatal(err)
	}
	return relay.New(cfg, db, pub, confirm, testenv.Logger(), obs)
}

// A master whose replica is gone publishes, but cannot confirm (minReplicas
// 1): the fast path and the sweep both leave the rows in outbox, however
// often they publish them, until a replica is back; then one sweep confirms
// and deletes them. Nothing acknowledged by a lone master is forgotten.
func TestRelay_rowsStayInOutboxUntilAReplicaConfirms(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openDB(t)
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	rdb := goredis.NewClient(&goredis.Options{Addr: master.Addr})
	defer rdb.Close()
	prefix := testenv.Name("rl") + ":"
	obs := &counts{}
	r := newRelay(t, relay.Config{Prefix: prefix, SweepInterval: time.Hour, ConfirmEvery: time.Millisecond}, db, rdb,
		relay.NewReplicaConfirmer(rdb, prefix, 200*time.Millisecond, 1), obs)
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	envs := committed(t, db, 3, time.Now())
	r.Committed(envs)
	testenv.Eventually(t, 10*time.Second, func() string {
		if obs.confirmFailed.Load() == 0 {
			return fmt.Sprintf("no confirmation refused yet (published %d)", obs.published.Load())
		}
		return ""
	})
	if got := published(t, rdb, prefix); len(got) != 3 {
		t.Fatalf("the fast path publishes on the lone master: %d entries, want 3", len(got))
	}
	if n := outboxRows(t, db); n != 3 || obs.confirmed.Load() != 0 {
		t.Fatalf("unconfirmed rows must stay in outbox: %d rows, %d confirmed", n, obs.confirmed.Load())
	}

	_, err := r.Sweep(ctx, 0)
	if !errors.Is(err, relay.ErrNotReplicated) {
		t.Fatalf("a sweep without a replica: %v, want ErrNotReplicated", err)
	}
	if n := outboxRows(t, db); n != 3 {
		t.Fatalf("the refused sweep's delete rolls back: %d rows, want 3", n)
	}
	if got := published(t, rdb, prefix); len(got) != 6 {
		t.Fatalf("the sweep published them again (at least once): %d entries, want 6", len(got))
	}

	port := master.Addr[strings.LastIndex(master.Addr, ":")+1:]
	testenv.StartRedis(t, "--replicaof", "127.0.0.1", port)
	testenv.Eventually(t, 15*time.Second, func() string {
		if _, err := r.Sweep(ctx, 0); err != nil {
			return "sweeping with the replica back: " + err.Error()
		}
		return ""
	})
	if n := outboxRows(t, db); n != 0 {
		t.Fatalf("a confirmed sweep deletes the rows: %d left", n)
	}
	ids := map[string]bool{}
	for _, id := range published(t, rdb, prefix) {
		ids[id] = true
	}
	for _, e := range envs {
		if !ids[e.ID.String()] {
			t.Fatalf("event %s is not on the stream", e.ID)
		}
	}
}

// When the fast path's queue is full (Redis slow or away), Committed drops
// the commit's events without blocking the command, and they stay in outbox
// for the sweep, which publishes them.
func TestRelay_aFullQueueDropsToTheSweep(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := openDB(t)
	rdb := testenv.Redis(t, testenv.RedisAddr())
	prefix := testenv.Prefix(t, testenv.RedisAddr())
	obs := &counts{}
	r := newRelay(t, relay.Config{Prefix: prefix, QueueSize: 1, SweepInterval: 20 * time.Millisecond, SweepAge: time.Nanosecond},
		db, rdb, relay.NewReplicaConfirmer(rdb, prefix, time.Second, 0), obs)

	first, second := committed(t, db, 2, time.Now()), committed(t, db, 3, time.Now())
	r.Committed(first)  // takes the one place in the queue: no publisher runs yet
	r.Committed(second) // the queue is full
	if obs.dropped.Load() != int64(len(second)) {
		t.Fatalf("a full queue drops the commit's %d events: dropped %d", len(second), obs.dropped.Load())
	}
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	testenv.Eventually(t, 10*time.Second, func() string {
		if n := outboxRows(t, db); n != 0 {
			return fmt.Sprintf("%d outbox rows left", n)
		}
		return ""
	})
	ids := map[string]bool{}
	for _, id := range published(t, rdb, prefix) {
		ids[id] = true
	}
	for _, e := range append(first, second...) {
		if !ids[e.ID.String()] {
			t.Fatalf("event %d (%s) never reached the stream", e.Seq, e.ID)
		}
	}
}

// Every api and worker sweeps: relays sweeping the same outbox at once each
// take their own rows (FOR UPDATE SKIP LOCKED), so every row is published
// exactly once and none is left.
func TestRelay_concurrentSweepsPublishEachRowOnce(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	rdb := testenv.Redis(t, testenv.RedisAddr())
	prefix := testenv.Prefix(t, testenv.RedisAddr())
	var envs []events.Envelope
	for range 10 {
		envs = append(envs, committed(t, db, 30, time.Now().Add(-time.Minute))...)
	}
	const relays = 4
	var wg sync.WaitGroup
	total := atomic.Int64{}
	errs := make(chan error, relays)
	for range relays {
		r := newRelay(t, relay.Config{Prefix: prefix, SweepBatch: 20}, db, rdb, relay.NewReplicaConfirmer(rdb, prefix, time.Second, 0), nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := r.Sweep(ctx, time.Second)
			total.Add(int64(n))
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a concurrent sweep failed: %v", err)
	}
	if n := outboxRows(t, db); n != 0 {
		t.Fatalf("%d outbox rows left after every sweep returned", n)
	}
	if total.Load() != int64(len(envs)) {
		t.Fatalf("the sweeps published %d rows between them, want %d (each once)", total.Load(), len(envs))
	}
	seen := map[string]int{}
	for _, id := range published(t, rdb, prefix) {
		seen[id]++
	}
	for _, e := range envs {
		if seen[e.ID.String()] != 1 {
			t.Fatalf("event %d is on the stream %d times, want once", e.Seq, seen[e.ID.String()])
		}
	}
}
