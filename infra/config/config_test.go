package config

import (
	"strings"
	"testing"
	"time"
)

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestDefaultsReachTheLocalCluster(t *testing.T) {
	c, err := FromLookup(lookup(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":9000" || c.MySQLDSN != DefaultMySQLDSN || c.MySQLReadDSN != DefaultMySQLReadDSN ||
		len(c.Redis.Sentinels) != 3 || c.Redis.MasterName != "rental" || c.Redis.Password != "rental" || c.Redis.Addr != "" {
		t.Fatalf("defaults: %+v", c)
	}
	if c.GenerationGrace != 30*time.Second || c.StreamMaxLen != 10000 || c.StreamTrimEvery != 10*time.Second {
		t.Fatalf("operations defaults: %+v", c)
	}
}

func TestOneRedisAndACustomWriter(t *testing.T) {
	c, err := FromLookup(lookup(map[string]string{
		"RENTAL_REDIS_ADDR": "127.0.0.1:6379", "RENTAL_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/x", "RENTAL_SWEEP_AGE": "2s",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Redis.Addr != "127.0.0.1:6379" || len(c.Redis.Sentinels) != 0 || c.Redis.Password != "" {
		t.Fatalf("a single Redis: %+v", c.Redis)
	}
	if c.MySQLReadDSN != "" {
		t.Fatalf("a custom writer without a reader reads the writer, got %q", c.MySQLReadDSN)
	}
	if c.SweepAge != 2*time.Second {
		t.Fatalf("sweep age %s", c.SweepAge)
	}
}

func TestBadValuesAreReported(t *testing.T) {
	_, err := FromLookup(lookup(map[string]string{"RENTAL_WORKER_CONSUMERS": "many", "RENTAL_SWEEP_INTERVAL": "soon", "RENTAL_LOG_LEVEL": "loud",
		"RENTAL_GENERATION_GRACE": "100ms", "RENTAL_STREAM_MAXLEN": "0"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, name := range []string{"RENTAL_WORKER_CONSUMERS", "RENTAL_SWEEP_INTERVAL", "RENTAL_LOG_LEVEL", "RENTAL_GENERATION_GRACE", "RENTAL_STREAM_MAXLEN"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error must name %s: %v", name, err)
		}
	}
}
