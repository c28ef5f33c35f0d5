// Package redis builds the Redis clients the platform uses, for one Redis or
// for a master and replicas found through Sentinel.
package redis

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Config says how to reach Redis: Addr for one server, or Sentinels +
// MasterName for a monitored master with replicas.
type Config struct {
	Addr       string
	Sentinels  []string
	MasterName string
	Password   string
}

// Clients are the two ways the platform talks to Redis.
//   - Master: streams, projections, relay confirmation; follows failovers.
//   - Replica: queries. With Sentinel it reads a replica (go-redis falls back
//     to the master only when Sentinel knows no healthy replica; the read
//     models retry a failed replica read on Master, see readmodel.Store);
//     with one Redis it is that server.
//     Short timeouts and no retries (not even of a failed dial, which go-redis
//     otherwise repeats 5 times): a query that cannot read a replica quickly
//     is better answered by the master or MySQL.
type Clients struct {
	Master  goredis.UniversalClient
	Replica goredis.UniversalClient
}

// Open builds both clients and checks the master answers. An unreachable
// master is reported but the clients are returned anyway: the platform keeps
// working without Redis and the clients reconnect when it is back.
func Open(ctx context.Context, cfg Config) (Clients, error) {
	if len(cfg.Sentinels) == 0 && cfg.Addr == "" {
		return Clients{}, fmt.Errorf("redis: set RENTAL_REDIS_ADDR or RENTAL_REDIS_SENTINELS")
	}
	c := Clients{Master: NewMaster(cfg, 64), Replica: newReplica(cfg)}
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Master.Ping(pingCtx).Err(); err != nil {
		return c, fmt.Errorf("redis master not reachable yet: %w", err)
	}
	return c, nil
}

// NewMaster returns a client of the master (through Sentinel when configured)
// with its own pool of poolSize connections.
func NewMaster(cfg Config, poolSize int) goredis.UniversalClient {
	if len(cfg.Sentinels) > 0 {
		return goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName: cfg.MasterName, SentinelAddrs: cfg.Sentinels, Password: cfg.Password,
			DialTimeout: 500 * time.Millisecond, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
			PoolSize: poolSize, MaxRetries: 3,
		})
	}
	return goredis.NewClient(&goredis.Options{
		Addr: cfg.Addr, Password: cfg.Password,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second,
		PoolSize: poolSize, MaxRetries: 3,
	})
}

func newReplica(cfg Config) goredis.UniversalClient {
	if len(cfg.Sentinels) > 0 {
		return goredis.NewFailoverClient(&goredis.FailoverOptions{
			MasterName: cfg.MasterName, SentinelAddrs: cfg.Sentinels, Password: cfg.Password,
			ReplicaOnly: true,
			DialTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
			PoolSize: 64, MaxRetries: -1, DialerRetries: 1,
		})
	}
	return goredis.NewClient(&goredis.Options{
		Addr: cfg.Addr, Password: cfg.Password,
		DialTimeout: 200 * time.Millisecond, ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		PoolSize: 64, MaxRetries: -1, DialerRetries: 1,
	})
}

// Close closes both clients.
func (c Clients) Close() error {
	err := c.Master.Close()
	if rerr := c.Replica.Close(); err == nil {
		err = rerr
	}
	return err
}

// UseLogger sends go-redis's own messages (Sentinel discovery, failovers) to
// log at debug level instead of the standard logger.
func UseLogger(log *slog.Logger) {
	goredis.SetLogger(slogAdapter{log.With("component", "go-redis")})
}

type slogAdapter struct{ log *slog.Logger }

func (a slogAdapter) Printf(ctx context.Context, format string, v ...any) {
	a.log.DebugContext(ctx, fmt.Sprintf(format, v...))
}
