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
// With no replica connected there is nothing to wait for (a single Redis, or
// a replica that is down): it confirms at once and the risk is the same as
// running without replicas.
type ReplicaConfirmer struct {
	client  redis.UniversalClient
	fence   string
	timeout time.Duration

	mu       sync.Mutex
	replicas int
	checked  time.Time
}

// NewReplicaConfirmer returns a confirmer on the master client.
func NewReplicaConfirmer(master redis.UniversalClient, prefix string, timeout time.Duration) *ReplicaConfirmer {
	if timeout == 0 {
		timeout = 500 * time.Millisecond
	}
	return &ReplicaConfirmer{client: master, fence: prefix + "relay:fence", timeout: timeout}
}

func (c *ReplicaConfirmer) Confirm(ctx context.Context) error {
	n, err := c.connectedReplicas(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	pipe := c.client.Pipeline()
	pipe.Incr(ctx, c.fence)
	wait := redis.NewIntCmd(ctx, "wait", 1, c.timeout.Milliseconds())
	_ = pipe.Process(ctx, wait)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("waiting for a replica: %w", err)
	}
	if wait.Val() < 1 {
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
