package stream_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill-redisstream/pkg/redisstream"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/message/router/middleware"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

const group = "projectors"

// publish puts n messages numbered from first on s in Watermill's format.
func publish(t *testing.T, rdb *goredis.Client, s string, first, n int) []string {
	t.Helper()
	var ids []string
	for i := first; i < first+n; i++ {
		msg := message.NewMessage(watermill.NewUUID(), []byte(strconv.Itoa(i)))
		values, err := redisstream.DefaultMarshallerUnmarshaller{}.Marshal(s, msg)
		if err != nil {
			t.Fatal(err)
		}
		id, err := rdb.XAdd(context.Background(), &goredis.XAddArgs{Stream: s, Values: values}).Result()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// seen records what handlers were given.
type seen struct {
	mu    sync.Mutex
	count map[string]int
}

func (s *seen) add(payload string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.count == nil {
		s.count = map[string]int{}
	}
	s.count[payload]++
}

func (s *seen) distinct() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.count)
}

func (s *seen) times(payload string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count[payload]
}

func newBatched(t *testing.T, addr, consumer string, cfg stream.SubscriberConfig) *stream.Batched {
	t.Helper()
	cfg.Consumer = consumer
	sub, err := stream.NewBatched(goredis.NewClient(&goredis.Options{Addr: addr}), cfg, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

// route runs handler behind a Watermill router with the worker's middleware
// shape (retry, recoverer) until the returned stop is called.
func route(t *testing.T, sub message.Subscriber, s string, handler func(*message.Message) error) (stop func()) {
	t.Helper()
	r, err := message.NewRouter(message.RouterConfig{CloseTimeout: 5 * time.Second}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	retry := middleware.Retry{MaxRetries: 1, InitialInterval: time.Millisecond}
	r.AddMiddleware(retry.Middleware, middleware.Recoverer)
	r.AddConsumerHandler("h", s, sub, handler)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	<-r.Running()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

func pending(t *testing.T, rdb *goredis.Client, s string) int64 {
	t.Helper()
	p, err := rdb.XPending(context.Background(), s, group).Result()
	if err != nil {
		t.Fatal(err)
	}
	return p.Count
}

func TestBatched_deliversEveryEntryAndAcknowledgesThemAll(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 250) // before the group exists: read from the start
	var got seen
	sub := newBatched(t, addr, "w-0", stream.SubscriberConfig{Batch: 32})
	route(t, sub, s, func(m *message.Message) error { got.add(string(m.Payload)); return nil })
	publish(t, rdb, s, 250, 250) // and what arrives while it runs
	testenv.Eventually(t, 10*time.Second, func() string {
		if n := got.distinct(); n != 500 {
			return fmt.Sprintf("%d of 500 messages handled", n)
		}
		if p := pending(t, rdb, s); p != 0 {
			return fmt.Sprintf("%d entries still pending", p)
		}
		return ""
	})
	for i := range 500 {
		if n := got.times(strconv.Itoa(i)); n != 1 {
			t.Fatalf("message %d handled %d times, want once", i, n)
		}
	}
}

func TestBatched_aNackedMessageIsHandedOverAgainAndTheRestOfItsBatchAcknowledged(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 10)
	var got seen
	var mu sync.Mutex
	failures := 3 // message "4" fails three times (two handler calls each: one retry)
	sub := newBatched(t, addr, "w-0", stream.SubscriberConfig{Batch: 10, NackResend: 10 * time.Millisecond})
	route(t, sub, s, func(m *message.Message) error {
		got.add(string(m.Payload))
		mu.Lock()
		defer mu.Unlock()
		if string(m.Payload) == "4" && failures > 0 {
			failures--
			return fmt.Errorf("transient")
		}
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := pending(t, rdb, s); got.distinct() != 10 || p != 0 {
			return fmt.Sprintf("%d handled, %d pending", got.distinct(), p)
		}
		return ""
	})
	if n := got.times("4"); n != 4 {
		t.Fatalf("the failing message was handled %d times, want 4 (3 failures, then success)", n)
	}
	if n := got.times("5"); n != 1 {
		t.Fatalf("a message beside it was handled %d times, want once", n)
	}
}

func TestBatched_claimsWhatADeadConsumerLeftPending(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	ctx := context.Background()
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 20)
	rdb.XGroupCreateMkStream(ctx, s, group, "0")
	// A consumer read 15 entries and died before acknowledging them.
	if err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: group, Consumer: "dead", Streams: []string{s, ">"}, Count: 15}).Err(); err != nil {
		t.Fatal(err)
	}
	var got seen
	sub := newBatched(t, addr, "alive", stream.SubscriberConfig{Batch: 4, MaxIdle: 200 * time.Millisecond, ClaimInterval: 50 * time.Millisecond})
	route(t, sub, s, func(m *message.Message) error { got.add(string(m.Payload)); return nil })
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := pending(t, rdb, s); got.distinct() != 20 || p != 0 {
			return fmt.Sprintf("%d of 20 handled, %d pending", got.distinct(), p)
		}
		return ""
	})
}

func TestBatched_aRestartedConsumerTakesBackItsOwnPendingEntriesAtOnce(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	ctx := context.Background()
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 5)
	rdb.XGroupCreateMkStream(ctx, s, group, "0")
	if err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: group, Consumer: "w-0", Streams: []string{s, ">"}, Count: 5}).Err(); err != nil {
		t.Fatal(err)
	}
	var got seen
	// MaxIdle is long: only taking back its own entries can deliver them.
	sub := newBatched(t, addr, "w-0", stream.SubscriberConfig{MaxIdle: time.Hour})
	route(t, sub, s, func(m *message.Message) error { got.add(string(m.Payload)); return nil })
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := pending(t, rdb, s); got.distinct() != 5 || p != 0 {
			return fmt.Sprintf("%d of 5 handled, %d pending", got.distinct(), p)
		}
		return ""
	})
}

func TestBatched_closingLeavesWhatWasNotAcknowledgedPending(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 10)
	release := make(chan struct{})
	var got seen
	sub := newBatched(t, addr, "w-0", stream.SubscriberConfig{Batch: 10})
	stop := route(t, sub, s, func(m *message.Message) error {
		got.add(string(m.Payload))
		if string(m.Payload) == "7" {
			select { // held until the router is stopped
			case <-release:
			case <-m.Context().Done():
			}
			return m.Context().Err()
		}
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() string {
		if got.distinct() != 10 {
			return fmt.Sprintf("%d of 10 handed out", got.distinct())
		}
		return ""
	})
	time.Sleep(300 * time.Millisecond) // the router acknowledges right after each handler returns
	stop()
	close(release)
	p, err := rdb.XPendingExt(context.Background(), &goredis.XPendingExtArgs{Stream: s, Group: group, Start: "-", End: "+", Count: 100}).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 {
		t.Fatalf("%d entries pending after closing, want the unfinished one alone", len(p))
	}
	left, err := rdb.XRange(context.Background(), s, p[0].ID, p[0].ID).Result()
	if err != nil || len(left) != 1 {
		t.Fatal(left, err)
	}
	if msg, _ := (stream.SafeUnmarshaller{}).Unmarshal(left[0].Values); string(msg.Payload) != "7" {
		t.Fatalf("entry %q left pending, want the unfinished one (7)", msg.Payload)
	}
}

func TestBatched_malformedEntriesAndTrimmedPendingOnesDoNotStopConsumption(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	ctx := context.Background()
	s := testenv.Prefix(t, addr) + "events:listing"
	rdb.XGroupCreateMkStream(ctx, s, group, "0")
	// An entry of the consumer's own pending list that the stream lost.
	gone := publish(t, rdb, s, 0, 1)
	if err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: group, Consumer: "w-0", Streams: []string{s, ">"}, Count: 1}).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.XDel(ctx, s, gone...)
	rdb.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: map[string]any{"not": "watermill"}})
	publish(t, rdb, s, 1, 3)
	var got seen
	var malformed int
	var mu sync.Mutex
	sub := newBatched(t, addr, "w-0", stream.SubscriberConfig{})
	route(t, sub, s, func(m *message.Message) error {
		if m.Metadata.Get(events.MetaMalformed) != "" {
			mu.Lock()
			malformed++
			mu.Unlock()
			return nil
		}
		got.add(string(m.Payload))
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := pending(t, rdb, s); got.distinct() != 3 || p != 0 {
			return fmt.Sprintf("%d of 3 handled, %d pending", got.distinct(), p)
		}
		return ""
	})
	mu.Lock()
	defer mu.Unlock()
	if malformed != 1 {
		t.Fatalf("%d malformed messages handed over, want 1", malformed)
	}
}
