package relay

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// ReplicaConfirmer confirms that a replica holds everything published so far.
// WAIT only counts the writes of the connection it runs on, and Watermill
// publishes on pooled connections; so it writes a fence key and WAITs on the
// same connection (one pipeline): the fence comes after every XADD that
// completed before it in the replication stream, so one acknowledged fence
// covers them all.
//
// minReplicas is how many replicas must be connected for a confirmation at
// all: 0 for a single Redis (there is nothing to wait for, so it confirms at
// once), 1 behind Sentinel. A master cut off from its replica by a partition
// keeps taking the publishes of the apps on its side; had it confirmed them,
// the relay would delete their outbox rows, and Sentinel's demotion of that
// master would throw the events away (the partition tests proved it). With
// minReplicas 1 it refuses, the rows stay, and the sweep publishes them to
// whichever master has a replica again.
type ReplicaConfirmer struct {
	client      redis.UniversalClient
	fence       string
	timeout     time.Duration
	minReplicas int

	mu       sync.Mutex
	replicas int
	checked  time.Time
}

// NewReplicaConfirmer returns a confirmer on the master client that needs
// minReplicas connected replicas (0: confirm at once when there are none).
func NewReplicaConfirmer(master redis.UniversalClient, prefix string, timeout time.Duration, minReplicas int) *ReplicaConfirmer {
	if timeout == 0 {
		timeout = 500 * time.Millisecond
	}
	return &ReplicaConfirmer{client: master, fence: prefix + "relay:fence", timeout: timeout, minReplicas: minReplicas}
}

func (c *ReplicaConfirmer) Confirm(ctx context.Context) error {
	n, err := c.connectedReplicas(ctx)
	if err != nil {
		return err
	}
	if n < c.minReplicas {
		c.forget()
		return fmt.Errorf("%w: %d replicas connected to the master, %d needed", ErrNotReplicated, n, c.minReplicas)
	}
	if n == 0 {
		return nil
	}
	need := max(1, c.minReplicas)
	pipe := c.client.Pipeline()
	pipe.Incr(ctx, c.fence)
	wait := redis.NewIntCmd(ctx, "wait", need, c.timeout.Milliseconds())
	_ = pipe.Process(ctx, wait)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("waiting for a replica: %w", err)
	}
	if wait.Val() < int64(need) {
		c.forget() // the replica may have gone: look again next time
		return ErrNotReplicated
	}
	return nil
}

// connectedReplicas reads INFO replication at most once a second.
func (c *ReplicaConfirmer) connectedReplicas(ctx context.Context) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Since(c.checked) < time.Second {
		return c.replicas, nil
	}
	info, err := c.client.Info(ctx, "replication").Result()
	if err != nil {
		return 0, fmt.Errorf("reading replication info: %w", err)
	}
	c.replicas = 0
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			c.replicas, _ = strconv.Atoi(v)
		}
	}
	c.checked = time.Now()
	return c.replicas, nil
}

func (c *ReplicaConfirmer) forget() {
	c.mu.Lock()
	c.checked = time.Time{}
	c.mu.Unlock()
}
