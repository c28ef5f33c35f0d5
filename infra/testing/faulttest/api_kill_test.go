//go:build cluster

package faulttest

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// TestAPIKilledBetweenCommitAndPublish kills api1 with SIGKILL while it holds
// events it committed to MySQL but has not published yet. The outbox sweep
// (in api2 and the workers) must publish them: nothing is lost and the read
// models converge.
//
// To make the kill land between commit and publish every time, the Redis
// master is frozen (SIGSTOP) for about 300 ms, well under Sentinel's 1 s
// down-after: the apis keep committing while their fast-path publishes wait,
// and api1 is killed during the freeze. The events it left behind are those
// still in outbox a second later (api2 has long published its own by then,
// and the sweep only takes rows older than 3 s) whose id is on no stream.
func TestAPIKilledBetweenCommitAndPublish(t *testing.T) {
	before := waitHealthy(t)
	b := open(t)
	ctx := context.Background()
	rep := newReport("api-killed-between-commit-and-publish", "TestAPIKilledBetweenCommitAndPublish")
	l := startLoad(t, loadShape{Landlords: 8, CmdEvery: 10 * time.Millisecond, Readers: 4, QueryEvery: 10 * time.Millisecond})
	watch := watchOutbox(b.Pools.Writer)
	defer watch.halt()
	time.Sleep(3 * time.Second)

	master := redisNodes[before.Redis.Master]
	rp := pid(t, master)
	signal(t, master, rp, syscall.SIGSTOP)
	defer func() { _ = syscall.Kill(rp, syscall.SIGCONT) }() // never leave the master frozen
	time.Sleep(300 * time.Millisecond)
	rep.KilledAt = kill9(t, "api1")
	signal(t, master, rp, syscall.SIGCONT)

	time.Sleep(time.Second)
	left := unpublishedOutbox(t, b)
	rep.Measured["events_committed_not_published_by_killed_api"] = len(left)
	t.Logf("api1 left %d committed events unpublished", len(left))
	if len(left) == 0 {
		t.Fatal("no committed event was left unpublished at the kill; the test proves nothing")
	}

	var delivered time.Time
	testenv.Eventually(t, 60*time.Second, func() string {
		onStream := streamEventIDs(t, b.Redis.Master, rep.KilledAt.Add(-time.Minute))
		missing := 0
		for id := range left {
			if !onStream[id] {
				missing++
			}
		}
		if missing > 0 {
			return fmt.Sprintf("%d of %d events not published yet", missing, len(left))
		}
		delivered = time.Now()
		return ""
	})
	rep.since("swept_events_published", delivered)
	startNode(t, "api1", rep)
	time.Sleep(3 * time.Second)
	l.halt()
	end := time.Now()
	watch.halt()
	drained, most := watch.drainedAfter(rep.KilledAt, 3.5)
	rep.since("outbox_drained", drained)
	rep.Measured["outbox_most_rows_after_kill"] = most

	rep.settle(ctx, t, l, b, end)
	waitHealthy(t)
	rep.write(t, l)
	if rep.Whole.QueryErrors != 0 {
		t.Errorf("HAProxy retries queries on the other api: %+v", rep.Whole)
	}
	if len(rep.Lost) > 0 {
		t.Errorf("acknowledged commands not in MySQL: %v", rep.Lost)
	}
}

// unpublishedOutbox returns the ids of the events in outbox that are on no stream.
func unpublishedOutbox(t *testing.T, b *system.Base) map[string]bool {
	t.Helper()
	rows, err := b.Pools.Writer.Query(`SELECT e.id FROM outbox o JOIN event_log e ON e.seq = o.seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	onStream := streamEventIDs(t, b.Redis.Master, time.Now().Add(-time.Minute))
	out := map[string]bool{}
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		id, err := uuid.FromBytes(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !onStream[id.String()] {
			out[id.String()] = true
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
