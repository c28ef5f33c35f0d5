// Package mysql adapts MySQL 8 / MariaDB 10.11 (directly, through HAProxy or
// through ProxySQL): connection pools, embedded migrations, the command
// transaction (state rows + event_log + outbox in one commit), the stores the
// write side needs and the fallback reads the query side needs.
package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Open returns a pool for dsn with the settings every connection needs:
// UTC times, client-side parameter interpolation (one round trip per
// statement instead of prepare + execute + close), bounded timeouts so a
// dead node is noticed and the retry logic can move on, and READ COMMITTED.
//
// READ COMMITTED because commands lock their aggregate rows by primary key
// and need no repeatable-read snapshot, while REPEATABLE READ's gap locks made
// the relay's batched outbox DELETE stall every command's outbox INSERT
// (measured: thousands of lock waits a second at 1,000 commands/s).
func Open(ctx context.Context, dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing MySQL DSN: %w", err)
	}
	isolation, err := isolationVariable(ctx, cfg)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	cfg.MultiStatements = true // a command's writes, events and commit go in one round trip
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
	cfg.Params[isolation] = "'READ-COMMITTED'"
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

// isolationVariable names the session variable for the isolation level:
// MariaDB 10.x calls it tx_isolation, MySQL 8 transaction_isolation.
func isolationVariable(ctx context.Context, cfg *mysql.Config) (string, error) {
	probe := cfg.Clone()
	probe.Timeout = 2 * time.Second
	connector, err := mysql.NewConnector(probe)
	if err != nil {
		return "", fmt.Errorf("configuring MySQL connector: %w", err)
	}
	db := sql.OpenDB(connector)
	defer db.Close()
	var version string
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.QueryRowContext(pingCtx, `SELECT VERSION()`).Scan(&version); err != nil {
		return "", fmt.Errorf("connecting to MySQL at %s: %w", cfg.Addr, err)
	}
	if strings.Contains(strings.ToLower(version), "mariadb") {
		return "tx_isolation", nil
	}
	return "transaction_isolation", nil
}

// MultiPrimary reports whether db is a node of a cluster where other nodes
// take writes too: MariaDB Galera (wsrep_on) or MySQL Group Replication with
// online members. Only a server without Group Replication's tables (MariaDB,
// a plain MySQL) counts as a single server: any other failure to read them,
// such as a user without the grant behind ProxySQL, is "cannot tell", and
// cannot tell counts as multi-primary, the safe side (command_runner.go).
func MultiPrimary(ctx context.Context, db *sql.DB) (bool, error) {
	var name, value string
	err := db.QueryRowContext(ctx, `SHOW VARIABLES LIKE 'wsrep_on'`).Scan(&name, &value)
	switch {
	case err == nil && strings.EqualFold(value, "ON"):
		return true, nil
	case err != nil && err != sql.ErrNoRows:
		return false, fmt.Errorf("reading wsrep_on: %w", err)
	}
	var members int
	err = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM performance_schema.replication_group_members
		WHERE MEMBER_STATE = 'ONLINE'`).Scan(&members)
	var my *mysql.MySQLError
	switch {
	case errors.As(err, &my) && my.Number == errNoSuchTable:
		return false, nil // no Group Replication: a single server
	case err != nil:
		return true, fmt.Errorf("reading the Group Replication members (taken as multi-primary): %w", err)
	}
	return members > 0, nil
}

// Ping checks that a query reaches a MySQL server. A COM_PING is not enough
// behind ProxySQL, which answers it itself with every backend down; a
// SELECT is routed to a backend.
func Ping(ctx context.Context, db *sql.DB) error {
	var one int
	if err := db.QueryRowContext(ctx, `SELECT 1 FROM DUAL WHERE @@server_id IS NOT NULL`).Scan(&one); err != nil {
		return fmt.Errorf("querying MySQL: %w", err)
	}
	return nil
}
