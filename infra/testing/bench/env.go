// Package bench measures the platform side by side in one run: each scenario
// starts what it compares on a scratch database and key prefix of the local
// MariaDB and Redis, drives it (with wrk for HTTP throughput), and returns a
// Markdown table. cmd/rentalbench runs the scenarios; `make bench` runs them all.
package bench

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/system/apiserver"
	"github.com/zufang/rental/infra/testing/testenv"
)

// Env is a scratch installation: its own database and key prefix.
type Env struct {
	Cfg     config.Config
	Redis   *Redis
	Log     *slog.Logger
	servers servers // the PIDs of the run's MariaDB and Redis, for the CPU split
	cleanup []func()
}

// NewEnv creates a migrated scratch database on the MySQL server behind
// mysqlServer and a fresh key prefix on redis.
func NewEnv(ctx context.Context, mysqlServer string, redis *Redis, log *slog.Logger) (*Env, error) {
	redisAddr := redis.Addr
	dsn, drop, err := testenv.CreateDatabase(ctx, mysqlServer)
	if err != nil {
		return nil, err
	}
	cfg, err := config.FromLookup(func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	cfg.MySQLDSN, cfg.MySQLReadDSN = dsn, ""
	cfg.Redis.Addr, cfg.Redis.Sentinels, cfg.Redis.Password = redisAddr, nil, ""
	cfg.RelayMinReplicas = 0 // one Redis, no replica to wait for
	cfg.Prefix = testenv.Name("bench") + ":"
	cfg.BcryptCost = 4
	e := &Env{Cfg: cfg, Redis: redis, Log: log}
	e.cleanup = append(e.cleanup, func() { _ = drop() }, func() { testenv.DeletePrefix(context.Background(), redisAddr, cfg.Prefix) })
	db, err := mysql.Open(ctx, dsn)
	if err != nil {
		e.Close()
		return nil, err
	}
	defer db.Close()
	rdb := goredis.NewClient(&goredis.Options{Addr: redisAddr})
	defer rdb.Close()
	e.servers = findServers(ctx, db, rdb, redis.PID)
	return e, nil
}

// Close stops everything the environment started and removes its data.
func (e *Env) Close() {
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
}

// StartAPI serves an api replica configured by adjust (nil: as configured)
// and returns its base URL.
func (e *Env) StartAPI(ctx context.Context, adjust func(*config.Config)) (string, error) {
	url, _, err := e.StartAPIServer(ctx, adjust)
	return url, err
}

// StartAPIServer is StartAPI that also returns the replica (its near cache,
// say).
func (e *Env) StartAPIServer(ctx context.Context, adjust func(*config.Config)) (string, *apiserver.API, error) {
	cfg := e.Cfg
	if adjust != nil {
		adjust(&cfg)
	}
	base, err := system.Open(ctx, cfg, e.Log)
	if err != nil {
		return "", nil, err
	}
	api, err := apiserver.New(base)
	if err != nil {
		base.Close()
		return "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		base.Close()
		return "", nil, err
	}
	e.run(func(ctx context.Context) { _ = api.Serve(ctx, ln) }, base.Close)
	return "http://" + ln.Addr().String(), api, nil
}

// StartComparisons serves the two api replicas a read is compared with: one
// without a near cache (every read goes to Redis) and one forced to MySQL.
func (e *Env) StartComparisons(ctx context.Context) (redisOnly, mysqlOnly string, err error) {
	if redisOnly, err = e.StartAPI(ctx, func(c *config.Config) { c.NearCache = false }); err != nil {
		return "", "", err
	}
	mysqlOnly, err = e.StartAPI(ctx, func(c *config.Config) { c.ReadModels = false })
	return redisOnly, mysqlOnly, err
}

// StartPipeline runs an api replica and workers replicas named
// <name>-worker-<i>, and opens the environment for direct reads: the whole
// write-to-read path most scenarios measure.
func (e *Env) StartPipeline(ctx context.Context, name string, workers int) (string, *system.Base, error) {
	api, err := e.StartAPI(ctx, nil)
	if err != nil {
		return "", nil, err
	}
	for i := range max(workers, 1) {
		if err := e.StartWorker(ctx, fmt.Sprintf("%s-worker-%d", name, i)); err != nil {
			return "", nil, err
		}
	}
	base, err := e.Open(ctx)
	return api, base, err
}

// StartWorker runs a worker replica.
func (e *Env) StartWorker(ctx context.Context, id string) error {
	return e.StartWorkerWith(ctx, id, nil)
}

// StartWorkerWith runs a worker replica that adjust (nil: none) changes first.
func (e *Env) StartWorkerWith(ctx context.Context, id string, adjust func(*system.Worker)) error {
	cfg := e.Cfg
	cfg.WorkerID = id
	base, err := system.Open(ctx, cfg, e.Log)
	if err != nil {
		return err
	}
	w, err := system.NewWorker(base)
	if err != nil {
		base.Close()
		return err
	}
	if adjust != nil {
		adjust(w)
	}
	e.run(func(ctx context.Context) { _ = w.Run(ctx) }, base.Close)
	return nil
}

// run starts fn until Close, then runs after.
func (e *Env) run(fn func(ctx context.Context), after func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	e.cleanup = append(e.cleanup, func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
		}
		after()
	})
}

// Open connects to the environment as a tool would (for direct reads).
func (e *Env) Open(ctx context.Context) (*system.Base, error) {
	b, err := system.Open(ctx, e.Cfg, e.Log)
	if err != nil {
		return nil, fmt.Errorf("opening the bench environment: %w", err)
	}
	e.cleanup = append(e.cleanup, b.Close)
	return b, nil
}
