// Package testenv gives integration tests real, isolated infrastructure: a
// fresh migrated MariaDB/MySQL database and a private Redis key prefix per
// test (both removed afterwards), a private redis-server a test may stop, and
// the whole system (api + workers) started in-process on free ports.
//
// It talks to the servers CI starts: MySQL at RENTAL_TEST_MYSQL_DSN (default
// root@tcp(127.0.0.1:3306)/) and Redis at RENTAL_TEST_REDIS_ADDR (default
// 127.0.0.1:6379). It never touches what `make up` started.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/mysql"
)

// MySQLServerDSN is the DSN of the test MySQL server, without a database.
func MySQLServerDSN() string {
	if v := os.Getenv("RENTAL_TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// RedisAddr is the shared test Redis.
func RedisAddr() string {
	if v := os.Getenv("RENTAL_TEST_REDIS_ADDR"); v != "" {
		return v
	}
	return "127.0.0.1:6379"
}

// Name returns a short random name with a prefix, for databases and keys.
func Name(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Database creates a fresh database, migrates it, and drops it when the test
// ends. It returns the DSN of the new database.
func Database(t testing.TB) string {
	t.Helper()
	dsn, drop, err := CreateDatabase(context.Background(), MySQLServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	})
	return dsn
}

// CreateDatabase creates and migrates a database with a random name on the
// server behind serverDSN (for tests and benchmarks), and returns its DSN and
// a function that drops it.
func CreateDatabase(ctx context.Context, serverDSN string) (string, func() error, error) {
	admin, err := sql.Open("mysql", serverDSN)
	if err != nil {
		return "", nil, fmt.Errorf("opening MySQL %s: %w", serverDSN, err)
	}
	name := Name("rt_")
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4"); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("creating a scratch database (is MariaDB running at %s?): %w", serverDSN, err)
	}
	drop := func() error {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name); err != nil {
			return fmt.Errorf("dropping scratch database %s: %w", name, err)
		}
		return nil
	}
	cfg, err := driver.ParseDSN(serverDSN)
	if err != nil {
		return "", nil, errors.Join(err, drop())
	}
	cfg.DBName = name
	dsn := cfg.FormatDSN()
	db, err := mysql.Open(ctx, dsn)
	if err != nil {
		return "", nil, errors.Join(err, drop())
	}
	defer db.Close()
	if _, err := mysql.Migrate(ctx, db); err != nil {
		return "", nil, errors.Join(err, drop())
	}
	return dsn, drop, nil
}

// DeletePrefix removes every key under prefix from Redis at addr.
func DeletePrefix(ctx context.Context, addr, prefix string) {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		c.Unlink(ctx, keys[:n]...)
		keys = keys[n:]
	}
}

// Prefix returns a fresh Redis key prefix and deletes every key under it on
// Redis addr when the test ends.
func Prefix(t testing.TB, addr string) string {
	t.Helper()
	prefix := Name("t") + ":"
	t.Cleanup(func() { DeletePrefix(context.Background(), addr, prefix) })
	return prefix
}

// FreeAddr returns a 127.0.0.1 address with a port nobody listens on.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Eventually polls cond until it returns "" or the wait runs out, then fails
// with the last reason. It bounds a wait for convergence; it measures nothing.
func Eventually(t testing.TB, wait time.Duration, cond func() string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	var why string
	for {
		if why = cond(); why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true after %s: %s", wait, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Redis returns a client of addr closed with the test.
func Redis(t testing.TB, addr string) *goredis.Client {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	t.Cleanup(func() { c.Close() })
	return c
}
