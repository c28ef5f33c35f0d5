//go:build cluster

package faulttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/testing/testenv"
)

// TestRedisReplicaKilled kills the Redis replica with SIGKILL under load.
// Queries read replicas; a failed replica read is tried on the master before
// MySQL, so queries keep answering with zero errors and mostly from Redis.
// The replica then rejoins and the read models match MySQL.
func TestRedisReplicaKilled(t *testing.T) {
	before := waitHealthy(t)
	if len(before.Redis.Replicas) != 1 {
		t.Fatalf("want one replica: %+v", before.Redis)
	}
	replica := redisNodes[before.Redis.Replicas[0].Addr]
	b := open(t)
	ctx := context.Background()
	rep := newReport("redis-replica-killed", "TestRedisReplicaKilled")
	rep.Measured["replica"] = replica
	l := startLoad(t, steady)
	time.Sleep(5 * time.Second)

	rep.KilledAt = kill9(t, replica)
	testenv.Eventually(t, 30*time.Second, func() string {
		r := ops.Status(ctx, cfg(t), testenv.Logger())
		if r.Healthy() {
			return "status does not report the lost replica yet"
		}
		rep.Measured["status_while_down"] = fmt.Sprint(r.Problems)
		return ""
	})
	rep.since("status_reported_the_lost_replica", time.Now())
	time.Sleep(5 * time.Second)
	startNode(t, replica, rep)
	time.Sleep(3 * time.Second)
	l.halt()
	end := time.Now()

	rep.settle(ctx, t, l, b, end)
	waitHealthy(t)
	rep.write(t, l)
	if rep.Whole.QueryErrors != 0 || rep.Whole.CommandErrors != 0 {
		t.Errorf("losing a replica is invisible to clients: %+v", rep.Whole)
	}
	if len(rep.Lost) > 0 {
		t.Errorf("acknowledged commands not in MySQL: %v", rep.Lost)
	}
}
