package status_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops/status"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/testing/testenv"
)

func hasProblem(r status.Report, part string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, part) {
			return true
		}
	}
	return false
}

func TestMySQLNodesAndOutbox_readFromTheServersThemselves(t *testing.T) {
	dsn := testenv.Database(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`INSERT INTO outbox (seq, created_at) VALUES
		(1, UTC_TIMESTAMP(6) - INTERVAL 90 SECOND), (2, UTC_TIMESTAMP(6))`); err != nil {
		t.Fatal(err)
	}
	dead := testenv.FreeAddr(t)
	r := status.Collect(context.Background(), status.Config{MySQLNodes: []string{"127.0.0.1:3306", dead}, WriterDSN: dsn})

	if n := r.MySQL[0]; n.Error != "" || n.Kind != "standalone" || !strings.Contains(n.Version, "MariaDB") && !strings.Contains(n.Version, "8.") {
		t.Fatalf("the test MariaDB is a standalone server: %+v", n)
	}
	if n := r.MySQL[1]; n.Error == "" || !hasProblem(r, "mysql "+dead+": unreachable") {
		t.Fatalf("a node nobody listens on is reported unreachable: %+v %v", n, r.Problems)
	}
	if r.Outbox == nil || r.Outbox.Rows != 2 || r.Outbox.OldestSeconds < 90 || r.Outbox.OldestSeconds > 600 {
		t.Fatalf("outbox backlog and the age of its oldest row: %+v", r.Outbox)
	}
	if !hasProblem(r, "outbox: 2 rows") {
		t.Fatalf("a row older than %s means nothing publishes: %v", status.MaxOutboxAge, r.Problems)
	}
}

// The ProxySQL admin interface is read with plain SELECTs on two tables. No
// ProxySQL runs here (Debian has no package), so the tables are recreated with
// ProxySQL's columns in a MariaDB database and the admin DSN points there.
func TestProxySQL_serversAndPoolStatsFromTheAdminTables(t *testing.T) {
	dsn := testenv.Database(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		`CREATE TABLE runtime_mysql_servers (hostgroup_id INT, hostname VARCHAR(255), port INT, gtid_port INT, status VARCHAR(32),
			weight INT, compression INT, max_connections INT, max_replication_lag INT, use_ssl INT, max_latency_ms INT, comment VARCHAR(255))`,
		`CREATE TABLE stats_mysql_connection_pool (hostgroup INT, srv_host VARCHAR(255), srv_port INT, status VARCHAR(32),
			ConnUsed INT, ConnFree INT, ConnOK INT, ConnERR INT, MaxConnUsed INT, Queries INT, Queries_GTID_sync INT,
			Bytes_data_sent INT, Bytes_data_recv INT, Latency_us INT)`,
		`INSERT INTO runtime_mysql_servers (hostgroup_id, hostname, port, status, weight) VALUES
			(10, 'mysql1', 3306, 'ONLINE', 1), (20, 'mysql1', 3306, 'ONLINE', 1), (20, 'mysql2', 3306, 'SHUNNED', 1), (11, 'mysql3', 3306, 'OFFLINE_HARD', 1)`,
		`INSERT INTO stats_mysql_connection_pool VALUES
			(10, 'mysql1', 3306, 'ONLINE', 3, 5, 100, 0, 8, 1234, 0, 0, 0, 250), (20, 'mysql2', 3306, 'SHUNNED', 0, 0, 7, 9, 2, 40, 0, 0, 0, 0)`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r := status.Collect(context.Background(), status.Config{ProxySQLAdminDSN: dsn})
	p := r.ProxySQL
	if p == nil || p.Error != "" || len(p.Servers) != 4 {
		t.Fatalf("four servers in force: %+v", p)
	}
	if w := p.Servers[0]; w.Hostgroup != 10 || w.Addr != "mysql1:3306" || w.Status != "ONLINE" || w.ConnUsed != 3 || w.Queries != 1234 || w.LatencyUs != 250 {
		t.Fatalf("the writer with its pool stats: %+v", w)
	}
	if !hasProblem(r, "proxysql hostgroup 20 mysql2:3306: SHUNNED") || !hasProblem(r, "proxysql hostgroup 11: no ONLINE server") {
		t.Fatalf("a shunned server and an empty hostgroup are problems: %v", r.Problems)
	}
	if hasProblem(r, "hostgroup 10") {
		t.Fatalf("hostgroup 10 is fine: %v", r.Problems)
	}
}

func TestHAProxy_backendsAsHAProxyReportsThem(t *testing.T) {
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		bin = "/usr/sbin/haproxy" // root's PATH has it; not every PATH does
		if _, err := os.Stat(bin); err != nil {
			testenv.SkipOrFail(t, "haproxy not installed (.ci/run and infra/deploy/local/cluster.sh install it)")
		}
	}
	stats, front, nobody := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	mysqlAddr := "127.0.0.1:3306"
	cfg := fmt.Sprintf(`global
    maxconn 100
defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    default-server inter 100ms fall 1 rise 1
frontend stats
    mode http
    bind %s
    stats enable
    stats uri /stats
frontend db
    bind %s
    default_backend db
backend db
    server live %s check
    server gone %s check
    server spare %s check backup
`, stats, front, mysqlAddr, nobody, mysqlAddr)
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting haproxy: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	url := "http://" + stats + "/stats;csv"
	var r status.Report
	testenv.Eventually(t, 15*time.Second, func() string {
		r = status.Collect(context.Background(), status.Config{HAProxyStatsURL: url})
		if h := r.HAProxy; h.Error != "" || len(h.Backends) != 1 || len(h.Backends[0].Servers) != 3 ||
			h.Backends[0].Servers[0].Status != "UP" || h.Backends[0].Servers[1].Status != "DOWN" {
			return fmt.Sprintf("checks not settled: %+v", h)
		}
		return ""
	})
	b := r.HAProxy.Backends[0]
	live, gone, spare := b.Servers[0], b.Servers[1], b.Servers[2]
	if b.Name != "db" || b.Status != "UP" || !live.Serving || gone.Serving || !spare.Backup || spare.Serving || spare.Status != "UP" {
		t.Fatalf("an UP active server serves; the backup waits: %+v", b)
	}
	if !hasProblem(r, "haproxy db/gone: DOWN") || hasProblem(r, "db/live") {
		t.Fatalf("only the DOWN server is a problem: %v", r.Problems)
	}
}

func TestRedisAndStreams_throughSentinel(t *testing.T) {
	master := testenv.StartRedis(t, "--repl-diskless-sync-delay", "0")
	port := master.Addr[strings.LastIndex(master.Addr, ":")+1:]
	replica := testenv.StartRedis(t, "--replicaof", "127.0.0.1", port)
	sentinel := testenv.StartSentinel(t, "m", master.Addr, "")
	ctx := context.Background()

	prefix := "st:"
	rdb := testenv.Redis(t, master.Addr)
	listing := events.Stream(prefix, events.AggregateListing)
	for i := range 3 {
		rdb.XAdd(ctx, &goredis.XAddArgs{Stream: listing, Values: map[string]any{"n": i}})
	}
	rdb.XGroupCreate(ctx, listing, events.ConsumerGroup, "0")
	if err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: events.ConsumerGroup, Consumer: "w1-0",
		Streams: []string{listing, ">"}, Count: 2}).Err(); err != nil {
		t.Fatal(err)
	}
	rdb.XAdd(ctx, &goredis.XAddArgs{Stream: events.DeadLetterStream(prefix), Values: map[string]any{"bad": "entry"}})

	cfg := status.Config{Redis: redis.Config{Sentinels: []string{sentinel.Addr}, MasterName: "m"}, Prefix: prefix}
	var r status.Report
	testenv.Eventually(t, 20*time.Second, func() string {
		r = status.Collect(ctx, cfg)
		if len(r.Redis.Replicas) != 1 || r.Redis.Replicas[0].Link != "ok" || r.Redis.Replicas[0].State != "online" {
			return fmt.Sprintf("sentinel does not see the replica yet: %+v", r.Redis)
		}
		return ""
	})
	rd := r.Redis
	if rd.Mode != "sentinel" || rd.Master != master.Addr || rd.Role != "master" || rd.MasterOffset == 0 ||
		rd.Replicas[0].Addr != replica.Addr || len(rd.Sentinels) != 1 || rd.Sentinels[0].Flags != "master" || rd.Sentinels[0].Quorum != 1 {
		t.Fatalf("master, replica and the sentinel's view: %+v", rd)
	}
	st := r.Streams
	if len(st.Streams) != len(events.Aggregates) || st.DeadLetters != 1 {
		t.Fatalf("every event stream and the dead letters: %+v", st)
	}
	var l status.Stream
	for _, s := range st.Streams {
		if s.Name == listing {
			l = s
		}
	}
	if l.Length != 3 || len(l.Groups) != 1 || l.Groups[0].Pending != 2 || l.Groups[0].Undelivered != 1 ||
		len(l.Groups[0].Consumers) != 1 || l.Groups[0].Consumers[0].Name != "w1-0" || l.Groups[0].Consumers[0].Pending != 2 {
		t.Fatalf("length, pending, undelivered and the consumer holding them: %+v", l)
	}
	if !hasProblem(r, "1 entries in the dead-letter stream") || !hasProblem(r, "events:user: no consumer group") {
		t.Fatalf("dead letters and a stream nobody consumes are problems: %v", r.Problems)
	}
	var screen bytes.Buffer
	if err := status.Write(&screen, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Redis (Sentinel, master name m)", "replica   " + replica.Addr, "consumer w1-0", "dead letters"} {
		if !strings.Contains(strings.Join(strings.Fields(screen.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("screen lacks %q:\n%s", want, screen.String())
		}
	}

	replica.Kill()
	testenv.Eventually(t, 20*time.Second, func() string {
		r = status.Collect(ctx, cfg)
		if !hasProblem(r, "redis replica "+replica.Addr) {
			return fmt.Sprintf("a dead replica must be a problem: %v %+v", r.Problems, r.Redis.Replicas)
		}
		return ""
	})
}

func TestRedis_oneServer(t *testing.T) {
	r := status.Collect(context.Background(), status.Config{Redis: redis.Config{Addr: testenv.RedisAddr()}, Prefix: testenv.Prefix(t, testenv.RedisAddr())})
	if r.Redis.Mode != "single" || r.Redis.Role != "master" || r.Redis.Error != "" || r.Streams.Error != "" {
		t.Fatalf("one Redis: %+v %+v", r.Redis, r.Streams)
	}
	if hasProblem(r, "has no replica") {
		t.Fatalf("one Redis is a configuration, not a problem: %v", r.Problems)
	}
}
