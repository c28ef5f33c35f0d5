package stream_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

// acks counts the XACK calls a client makes and the ids they carry.
type acks struct {
	mu         sync.Mutex
	calls, ids int
}

func (a *acks) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (a *acks) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
func (a *acks) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		if strings.EqualFold(cmd.Name(), "xack") {
			a.mu.Lock()
			a.calls++
			a.ids += len(cmd.Args()) - 3 // XACK stream group id...
			a.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

// TestBatched_handsBatchesOverInStreamOrderAndAcknowledgesEachInOneCall:
// entries are read COUNT at a time, a batch's messages are handled
// concurrently, and the next batch is read only once every message of this
// one is acknowledged, with one XACK for the whole batch.
func TestBatched_handsBatchesOverInStreamOrderAndAcknowledgesEachInOneCall(t *testing.T) {
	addr := testenv.RedisAddr()
	rdb := testenv.Redis(t, addr)
	s := testenv.Prefix(t, addr) + "events:listing"
	publish(t, rdb, s, 0, 100)
	var counted acks
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	client.AddHook(&counted)
	sub, err := stream.NewBatched(client, stream.SubscriberConfig{Consumer: "w-0", Batch: 25}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	route(t, sub, s, func(m *message.Message) error {
		n, _ := strconv.Atoi(string(m.Payload))
		time.Sleep(time.Duration(25-n%25) * 100 * time.Microsecond) // the first of a batch finishes last
		mu.Lock()
		order = append(order, n)
		mu.Unlock()
		return nil
	})
	testenv.Eventually(t, 10*time.Second, func() string {
		mu.Lock()
		defer mu.Unlock()
		if p := pending(t, rdb, s); len(order) != 100 || p != 0 {
			return fmt.Sprintf("%d of 100 handled, %d pending", len(order), p)
		}
		return ""
	})
	mu.Lock()
	defer mu.Unlock()
	for i, n := range order {
		if want := i / 25; n/25 != want {
			t.Fatalf("message %d was handled %dth, inside batch %d: batches are not handed over in stream order (%v)", n, i, want, order)
		}
	}
	counted.mu.Lock()
	defer counted.mu.Unlock()
	if counted.calls != 4 || counted.ids != 100 {
		t.Fatalf("%d XACK calls for %d ids, want 4 (one per batch of 25) for 100", counted.calls, counted.ids)
	}
}
