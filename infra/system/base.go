// Package system assembles the platform from its configuration: it is the one
// place adapters are built and connected to the application. cmd/api,
// cmd/worker and cmd/rentalctl call it, and so do the end-to-end tests, so
// what is tested is what runs.
package system

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/stream"
)

// Base is what the api, the worker and rentalctl share.
type Base struct {
	Cfg     config.Config
	Log     *slog.Logger
	Pools   mysql.Pools
	Catalog *rental.Catalog
	Redis   redis.Clients
	RM      *readmodel.Store
	WMLog   watermill.LoggerAdapter
}

// Open connects to MySQL (waiting up to a minute for it, so processes can
// start together with the database) and Redis (not waiting: the platform
// works without it), and loads the catalog.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Base, error) {
	writer, err := openWaiting(ctx, cfg.MySQLDSN, log)
	if err != nil {
		return nil, err
	}
	pools := mysql.Pools{Writer: writer, Reader: writer}
	if cfg.MySQLReadDSN != "" && cfg.MySQLReadDSN != cfg.MySQLDSN {
		reader, err := mysql.Open(ctx, cfg.MySQLReadDSN)
		if err != nil {
			log.Warn("MySQL reader unreachable; reading from the writer", "err", err)
		} else {
			pools.Reader = reader
		}
	}
	cat, err := mysql.LoadCatalog(ctx, writer)
	if err != nil {
		pools.Close()
		return nil, err
	}
	redis.UseLogger(log)
	clients, err := redis.Open(ctx, cfg.Redis)
	if clients.Master == nil {
		pools.Close()
		return nil, err
	}
	if err != nil {
		log.Warn("starting without Redis; it will be used once reachable", "err", err)
	}
	rm := readmodel.New(clients.Master, clients.Replica, cfg.Prefix, cat, log)
	if cfg.Redis.Addr != "" {
		rm.SingleServer()
	}
	return &Base{Cfg: cfg, Log: log, Pools: pools, Catalog: cat, Redis: clients, RM: rm, WMLog: stream.Logger(log)}, nil
}

// OpenWriter connects to the MySQL writer only (for migrations, before the
// catalog exists).
func OpenWriter(ctx context.Context, cfg config.Config, log *slog.Logger) (mysql.Pools, error) {
	db, err := openWaiting(ctx, cfg.MySQLDSN, log)
	return mysql.Pools{Writer: db, Reader: db}, err
}

// openWaiting opens a pool, retrying for up to a minute while MySQL starts.
func openWaiting(ctx context.Context, dsn string, log *slog.Logger) (*sql.DB, error) {
	deadline := time.Now().Add(time.Minute)
	for {
		db, err := mysql.Open(ctx, dsn)
		if err == nil {
			return db, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return nil, err
		}
		log.Warn("waiting for MySQL", "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// Close releases every connection.
func (b *Base) Close() {
	_ = b.Redis.Close()
	_ = b.Pools.Close()
}

// NewRelay returns the outbox relay of this process.
func (b *Base) NewRelay(obs relay.Observer) (*relay.Relay, error) {
	pub, err := stream.NewPublisher(b.Redis.Master, b.WMLog)
	if err != nil {
		return nil, err
	}
	cfg := relay.Config{Prefix: b.Cfg.Prefix, SweepInterval: b.Cfg.SweepEvery, SweepAge: b.Cfg.SweepAge}
	return relay.New(cfg, b.Pools.Writer, pub, relay.NewReplicaConfirmer(b.Redis.Master, b.Cfg.Prefix, 0, b.Cfg.RelayMinReplicas), b.Log, obs), nil
}
