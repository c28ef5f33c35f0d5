//go:build cluster

package faulttest

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/testing/testenv"
)

// TestWorkerKilled kills worker1 with SIGKILL while it holds delivered but
// unacknowledged messages. worker2 must claim them (after the subscriber's
// MaxIdle of 10 s) and project them: nothing is lost and the read models
// converge.
//
// To make the kill land mid-stream every time, worker1 is first frozen
// (SIGSTOP) for a second under load: Redis keeps delivering to its consumers'
// blocked XREADGROUPs, so the messages it holds at the SIGKILL are exactly
// those a worker dying mid-message leaves behind.
func TestWorkerKilled(t *testing.T) {
	waitHealthy(t)
	b := open(t)
	ctx := context.Background()
	rep := newReport("worker-killed", "TestWorkerKilled")
	l := startLoad(t, steady)
	time.Sleep(3 * time.Second)

	p := pid(t, "worker1")
	signal(t, "worker1", p, syscall.SIGSTOP)
	time.Sleep(time.Second)
	rep.KilledAt = kill9(t, "worker1")
	held := pendingOf(t, b.Redis.Master, "worker1-")
	n := 0
	for _, ids := range held {
		n += len(ids)
	}
	rep.Measured["messages_pending_on_killed_worker"] = n
	t.Logf("worker1 held %d pending messages when killed: %v", n, held)
	if n == 0 {
		t.Fatal("worker1 held no pending message at the kill; the test proves nothing")
	}

	var claimed time.Time
	testenv.Eventually(t, 60*time.Second, func() string {
		left := 0
		for stream, ids := range held {
			res, err := b.Redis.Master.XPendingExt(ctx, &goredis.XPendingExtArgs{Stream: stream, Group: events.ConsumerGroup,
				Start: ids[0], End: ids[len(ids)-1], Count: 1000}).Result()
			if err != nil {
				return err.Error()
			}
			want := map[string]bool{}
			for _, id := range ids {
				want[id] = true
			}
			for _, x := range res {
				if want[x.ID] {
					left++
				}
			}
		}
		if left > 0 {
			return fmt.Sprintf("%d of worker1's messages still pending", left)
		}
		claimed = time.Now()
		return ""
	})
	rep.since("pending_messages_claimed_and_acknowledged", claimed)
	time.Sleep(2 * time.Second)
	startNode(t, "worker1", rep)
	time.Sleep(3 * time.Second)
	l.halt()
	end := time.Now()

	rep.settle(ctx, t, l, b, end)
	waitHealthy(t)
	rep.write(t, l)
	if rep.Whole.QueryErrors != 0 || rep.Whole.CommandErrors != 0 {
		t.Errorf("a worker's death is invisible to clients: %+v", rep.Whole)
	}
	if len(rep.Lost) > 0 {
		t.Errorf("acknowledged commands not in MySQL: %v", rep.Lost)
	}
}

// pendingOf returns, per event stream, the ids of the messages pending on
// consumers whose name starts with prefix.
func pendingOf(t *testing.T, c goredis.UniversalClient, prefix string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, agg := range events.Aggregates {
		stream := events.Stream("rental:", agg)
		res, err := c.XPendingExt(context.Background(), &goredis.XPendingExtArgs{Stream: stream, Group: events.ConsumerGroup,
			Start: "-", End: "+", Count: 10000}).Result()
		if err != nil {
			t.Fatalf("XPENDING %s: %v", stream, err)
		}
		for _, x := range res {
			if strings.HasPrefix(x.Consumer, prefix) {
				out[stream] = append(out[stream], x.ID)
			}
		}
	}
	return out
}
