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
	if strings.Join(c.MySQLNodes, ",") != DefaultMySQLNodes || c.HAProxyStatsURL != DefaultHAProxyStats || c.ProxySQLAdminDSN != "" {
		t.Fatalf("status sources must default to make up's cluster: %+v", c)
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
	if len(c.MySQLNodes) != 0 || c.HAProxyStatsURL != "" {
		t.Fatalf("a custom writer does not inherit make up's nodes or HAProxy: %v %q", c.MySQLNodes, c.HAProxyStatsURL)
	}
}

func TestStatusSources(t *testing.T) {
	c, err := FromLookup(lookup(map[string]string{
		"RENTAL_MYSQL_DSN":          "w:p@tcp(proxysql:6033)/rental",
		"RENTAL_MYSQL_NODES":        "monitor:monitor@tcp(mysql1:3306)/, mysql2:3306",
		"RENTAL_PROXYSQL_ADMIN_DSN": "radmin:radmin@tcp(proxysql:6032)/",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.MySQLNodes) != 2 || c.MySQLNodes[1] != "mysql2:3306" || c.ProxySQLAdminDSN == "" {
		t.Fatalf("status sources: %+v", c)
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
