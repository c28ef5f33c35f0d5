// Package mysql adapts MySQL 8 / MariaDB 10.11 (directly, through HAProxy or
// through ProxySQL): connection pools, embedded migrations, the command
// transaction (state rows + event_log + outbox in one commit), the stores the
// write side needs and the fallback reads the query side needs.
package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Open returns a pool for dsn with the settings every connection needs:
// UTC times, client-side parameter interpolation (one round trip per
// statement instead of prepare + execute + close) and bounded timeouts, so a
// dead node is noticed and the retry logic can move on.
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing MySQL DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	if cfg.ReadTimeout == 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuring MySQL connector: %w", err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(64)
	db.SetMaxIdleConns(64)
	// Recycle connections so a pool behind a proxy spreads again after a failover.
	db.SetConnMaxLifetime(5 * time.Minute)
	db.SetConnMaxIdleTime(time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connecting to MySQL at %s: %w", cfg.Addr, err)
	}
	return db, nil
}

// Pools are the writer and the reader. Reader may be the writer.
type Pools struct {
	Writer *sql.DB
	Reader *sql.DB
}

// Close closes both pools once.
func (p Pools) Close() error {
	err := p.Writer.Close()
	if p.Reader != p.Writer {
		if rerr := p.Reader.Close(); err == nil {
			err = rerr
		}
	}
	return err
}
