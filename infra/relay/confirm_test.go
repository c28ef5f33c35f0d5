package relay_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A master that has lost its replica (dead, or cut off by a partition) must
// not confirm publishes when the relay needs a replica: the relay would
// delete the outbox rows of events that Sentinel's demotion of that master
// throws away. With a single Redis (minReplicas 0) there is nothing to wait
// for and it confirms at once.
func TestReplicaConfirmer_refusesOnAMasterWithoutItsReplica(t *testing.T) {
	ctx := context.Background()
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	port := master.Addr[strings.LastIndex(master.Addr, ":")+1:]
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", port)
	c := goredis.NewClient(&goredis.Options{Addr: master.Addr})
	defer c.Close()
	needOne := relay.NewReplicaConfirmer(c, testenv.Name("rt")+":", time.Second, 1)
	single := relay.NewReplicaConfirmer(c, testenv.Name("rt")+":", time.Second, 0)

	testenv.Eventually(t, 15*time.Second, func() string {
		if err := needOne.Confirm(ctx); err != nil {
			return "with its replica connected: " + err.Error()
		}
		return ""
	})
	replica.Kill()
	testenv.Eventually(t, 15*time.Second, func() string {
		n, err := c.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(n, "connected_slaves:0") {
			return "the master still counts its replica"
		}
		return ""
	})
	if err := needOne.Confirm(ctx); !errors.Is(err, relay.ErrNotReplicated) {
		t.Fatalf("a master without its replica confirmed (err %v): the relay would delete outbox rows a demotion loses", err)
	}
	if err := single.Confirm(ctx); err != nil {
		t.Fatalf("with minReplicas 0 (one Redis) a master without replicas confirms at once: %v", err)
	}
	replica.Start()
	testenv.Eventually(t, 15*time.Second, func() string {
		if err := needOne.Confirm(ctx); err != nil {
			return "after the replica came back: " + err.Error()
		}
		return ""
	})
}
