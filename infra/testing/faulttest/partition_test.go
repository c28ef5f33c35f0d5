//go:build cluster && partitions

package faulttest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// scenario is one fault of TestPartitions: inject starts it under load
// (and may wait for what it must cause), heal ends it; the checker runs after
// every one.
type scenario struct {
	name   string
	faults string
	// hold is how long the fault lasts once inject returned.
	hold   time.Duration
	inject func(t *testing.T, s *stage)
	heal   func(t *testing.T, s *stage)
	// after runs once the checker has run (extra assertions).
	after func(t *testing.T, s *stage, row *partitionRow)
	// expectLoss marks the scenario that proves a hole: it must find loss,
	// and the read models are repaired after it.
	expectLoss bool
}

// stage is what a scenario works with.
type stage struct {
	net    *network
	b      *system.Base
	master string // the Redis master node when the scenario started
	other  string // the other Redis node
	notes  []string
	// freeDisk ends a disk-full fault.
	freeDisk func()
}

func (s *stage) note(format string, args ...any) {
	s.notes = append(s.notes, fmt.Sprintf(format, args...))
}

// partitionRow is one line of docs/RELIABILITY.md's partition table.
type partitionRow struct {
	Scenario      string   `json:"scenario"`
	Faults        string   `json:"faults"`
	Load          string   `json:"load"`
	Commands      int      `json:"commands_acknowledged"`
	Listings      int      `json:"listings_checked"`
	Lost          int      `json:"lost"`
	Duplicates    int      `json:"duplicates"`
	Discrepancies []string `json:"discrepancies,omitempty"`
	CommandErrors int      `json:"command_errors_during_fault"`
	QueryErrors   int      `json:"query_errors_during_fault"`
	NoAnswer      int      `json:"attempts_without_http_answer"`
	// AckedNotFound: reads of an acknowledged listing by its landlord that
	// answered 404, over the whole scenario (goal: 0).
	AckedNotFound int `json:"acknowledged_listing_404s"`
	// OwnReads: those reads; OwnReadsFromMySQL: the ones the read model
	// missed, answered by the MySQL fallback (the path a lagging reader
	// turned into a 404).
	OwnReads          int `json:"own_reads"`
	OwnReadsFromMySQL int `json:"own_reads_from_mysql"`
	// InternalErrors: answers 500 over the whole scenario (goal: 0): a fault
	// answers 503 with Retry-After or an outcome, never a crash or a bug.
	InternalErrors  int      `json:"internal_errors"`
	ErrorSamples    []string `json:"error_samples,omitempty"`
	LongestCommandS float64  `json:"longest_command_s"`
	LongestQueryS   float64  `json:"longest_query_s"`
	WriteGapS       float64  `json:"longest_write_gap_s"`
	ReadGapS        float64  `json:"longest_read_gap_s"`
	WritesBackS     float64  `json:"writes_back_after_heal_s"`
	ReadsBackS      float64  `json:"reads_back_after_heal_s"`
	CheckClean      bool     `json:"check_clean_after_heal"`
	CheckDiffs      int      `json:"check_differences_after_heal"`
	ConvergedS      float64  `json:"check_converged_after_s"`
	Notes           []string `json:"notes,omitempty"`
}

// TestPartitions runs every scenario on one cluster start, healing and
// checking between them. RENTAL_PARTITION_SCENARIO=<name>[,<name>...] runs
// the scenarios whose names contain one of them.
func TestPartitions(t *testing.T) {
	net := newNetwork(t)
	b := open(t)
	only := os.Getenv("RENTAL_PARTITION_SCENARIO")
	var rows []partitionRow
	start := time.Now()
	for _, sc := range scenarios() {
		if only != "" && !slices.ContainsFunc(strings.Split(only, ","), func(o string) bool { return strings.Contains(sc.name, o) }) {
			continue
		}
		ok := t.Run(sc.name, func(t *testing.T) {
			row := runScenario(t, net, b, sc)
			rows = append(rows, row)
		})
		net.heal() // whatever happened, the next one starts whole
		if !ok {
			t.Logf("%s failed; continuing with a healed cluster", sc.name)
		}
	}
	writePartitionReport(t, rows, time.Since(start))
}

func runScenario(t *testing.T, net *network, b *system.Base, sc scenario) partitionRow {
	ctx := context.Background()
	st := waitHealthy(t)
	// A scenario that failed half-way (or the proof) may have left read models
	// behind MySQL: repair first, so one failure does not fail every later one.
	if _, err := check.Run(ctx, b.RM, ops.Checkers(b), check.Options{Repair: true}); err != nil {
		t.Fatalf("repairing the read models before the scenario: %v", err)
	}
	s := &stage{net: net, b: b, master: redisNodes[st.Redis.Master]}
	s.other = map[string]string{"redis1": "redis2", "redis2": "redis1"}[s.master]
	if s.other == "" {
		t.Fatalf("unexpected Redis master %q", st.Redis.Master)
	}
	row := partitionRow{Scenario: sc.name, Faults: sc.faults,
		Load: "4 landlords × 1 command / 40 ms, 4 readers × 1 query / 10 ms, through HAProxy"}
	l := startLoad(t, steady)
	time.Sleep(3 * time.Second)

	faultAt := time.Now()
	sc.inject(t, s)
	time.Sleep(sc.hold)
	healAt := time.Now()
	sc.heal(t, s)
	healed := time.Now()
	// Load goes on after the heal until a command and a query started after
	// it were answered, plus a few seconds.
	l.ackAfter(t, healed, 60*time.Second)
	testenv.Eventually(t, 60*time.Second, func() string {
		if l.firstQueryOKAfter(healed).IsZero() {
			return "no query answered since the heal"
		}
		return ""
	})
	time.Sleep(3 * time.Second)
	// The readers stop at once, a landlord only once its command in flight
	// is answered: gaps are measured up to the stop, not to the end of halt.
	stopAt := time.Now()
	l.halt()
	end := time.Now()

	during := l.traffic(faultAt, healed)
	row.CommandErrors, row.QueryErrors, row.ErrorSamples = during.CommandErrors, during.QueryErrors, during.ErrorSamples
	row.LongestCommandS, row.LongestQueryS = during.MaxCommandMs/1000, during.MaxQueryMs/1000
	// An answer that came after the heal counts too.
	whole := l.traffic(faultAt, end)
	row.LongestCommandS = max(row.LongestCommandS, whole.MaxCommandMs/1000)
	row.LongestQueryS = max(row.LongestQueryS, whole.MaxQueryMs/1000)
	row.NoAnswer = l.noAnswer(faultAt, end)
	row.AckedNotFound = l.traffic(l.start, end).AcknowledgedNotFound
	for _, r := range l.requests() {
		if r.Status == 500 {
			row.InternalErrors++
		}
		if r.Op == opOwnRead {
			row.OwnReads++
			if r.Source == "mysql" {
				row.OwnReadsFromMySQL++
			}
		}
	}
	row.WriteGapS, row.ReadGapS = l.longestGap(faultAt, stopAt, true), l.longestGap(faultAt, stopAt, false)
	row.WritesBackS = sinceOrZero(l.firstCommandAckAfter(healAt), healAt)
	row.ReadsBackS = sinceOrZero(l.firstQueryOKAfter(healAt), healAt)

	// The checker: every acknowledged command in MySQL exactly once, nothing
	// refused applied (a listing's MySQL version and events are exactly its
	// acknowledged commands), the read models equal to MySQL.
	row.Listings, row.Commands, row.Lost, row.Duplicates, row.Discrepancies = l.classify(ctx, b.Pools.Writer)
	if sc.expectLoss {
		// The scenario proves a hole: the read models lack events, so look once
		// the events that can come have come (the sweep has had time), then repair.
		time.Sleep(10 * time.Second)
		rep, err := check.Run(ctx, b.RM, ops.Checkers(b), check.Options{})
		if err != nil {
			t.Fatal(err)
		}
		row.CheckClean, row.CheckDiffs = rep.Clean(), len(rep.Differences)
		if _, err := check.Run(ctx, b.RM, ops.Checkers(b), check.Options{Repair: true}); err != nil {
			t.Fatalf("repairing the read models after the proof: %v", err)
		}
	} else {
		rep, took := converge(t, b)
		row.CheckClean, row.CheckDiffs, row.ConvergedS = rep.Clean(), len(rep.Differences), took.Seconds()
	}
	if sc.after != nil {
		sc.after(t, s, &row)
	}
	row.Notes = s.notes
	raw, _ := json.MarshalIndent(row, "", "  ")
	t.Logf("scenario %s:\n%s", sc.name, raw)

	if row.Lost > 0 || row.Duplicates > 0 {
		t.Errorf("%d acknowledged commands lost, %d applied twice: %v", row.Lost, row.Duplicates, row.Discrepancies)
	}
	if row.InternalErrors > 0 {
		t.Errorf("%d answers were 500 internal errors (the apis' logs say why): %v", row.InternalErrors, row.ErrorSamples)
	}
	if row.AckedNotFound > 0 {
		t.Errorf("%d reads of an acknowledged listing by its landlord answered 404", row.AckedNotFound)
	}
	// Every try must get an answer, its outcome or a retryable error, within
	// the command bound (RENTAL_COMMAND_TIMEOUT, 10 s, plus HAProxy's and the
	// load's own way there and back): never a closed connection or silence.
	if row.NoAnswer > 0 {
		t.Errorf("%d tries got no HTTP answer (closed connection or the client's 30 s timeout): %v", row.NoAnswer, row.ErrorSamples)
	}
	if row.LongestCommandS > commandBound.Seconds() {
		t.Errorf("a command took %.1f s to answer, past the bound of %s", row.LongestCommandS, commandBound)
	}
	if sc.expectLoss {
		if row.CheckClean {
			t.Errorf("the proof found no event missing from the read models: the hole did not show")
		}
	} else if !row.CheckClean {
		t.Errorf("read models differ from MySQL after the heal: %d differences", row.CheckDiffs)
	}
	waitHealthy(t)
	return row
}

// commandBound is the longest a command may take to answer: the apis'
// RENTAL_COMMAND_TIMEOUT (10 s) and a margin for HAProxy and a loaded machine.
// A command past it was not bounded by the deadline at all.
const commandBound = 15 * time.Second

func sinceOrZero(at, from time.Time) float64 {
	if at.IsZero() {
		return -1
	}
	return at.Sub(from).Seconds()
}

// firstQueryOKAfter returns when the first query sent after at was answered
// (zero when none was).
func (l *load) firstQueryOKAfter(at time.Time) time.Time {
	var first time.Time
	for _, r := range l.requests() {
		if !r.Command && r.ok() && r.Start.After(at) && (first.IsZero() || r.End.Before(first)) {
			first = r.End
		}
	}
	return first
}

// noAnswer counts the attempts in [from, to) that got no HTTP answer.
func (l *load) noAnswer(from, to time.Time) int {
	n := 0
	for _, r := range l.requests() {
		if r.Status == 0 && !r.End.Before(from) && r.End.Before(to) {
			n++
		}
	}
	return n
}

// longestGap is the longest time in [from, to] in which no command (or
// query) was answered with success: how long writes (reads) were away.
func (l *load) longestGap(from, to time.Time, commands bool) float64 {
	var ends []time.Time
	for _, r := range l.requests() {
		if r.Command == commands && r.ok() && r.End.After(from) && r.End.Before(to) {
			ends = append(ends, r.End)
		}
	}
	sort.Slice(ends, func(i, j int) bool { return ends[i].Before(ends[j]) })
	prev, gap := from, time.Duration(0)
	for _, e := range ends {
		gap = max(gap, e.Sub(prev))
		prev = e
	}
	gap = max(gap, to.Sub(prev))
	return gap.Seconds()
}

// classify checks every acknowledged command in MySQL, as verifyAcknowledged
// does, and sorts the discrepancies: lost (MySQL holds fewer versions or
// events than were acknowledged) and duplicates (more: a command applied
// twice, or a refused one applied).
func (l *load) classify(ctx context.Context, db *sql.DB) (listings, commands, lost, dups int, bad []string) {
	listings, bad = l.verifyAcknowledged(ctx, db)
	l.mu.Lock()
	for _, v := range l.acks {
		commands += len(v)
	}
	l.mu.Unlock()
	for _, d := range bad {
		var id string
		var n, version, events int
		if _, err := fmt.Sscanf(d, "listing %s %d commands acknowledged, MySQL at version %d with %d events", &id, &n, &version, &events); err == nil {
			if version > n || events > n {
				dups++
			} else {
				lost++
			}
			continue
		}
		lost++ // a listing missing, or acknowledged versions out of order
	}
	return listings, commands, lost, dups, bad
}

// redisSide is every node that talks to Redis.
var redisClients = []string{"api1", "api2", "worker1", "worker2"}

var sentinels = []string{"sentinel1", "sentinel2", "sentinel3"}

// waitSentinelMaster waits until the Sentinels name node as the master.
func waitSentinelMaster(t *testing.T, node string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	testenv.Eventually(t, within, func() string {
		r := ops.Status(context.Background(), cfg(t), testenv.Logger())
		if redisNodes[r.Redis.Master] != node {
			return fmt.Sprintf("Sentinel names %s, want %s", r.Redis.Master, node)
		}
		return ""
	})
	return time.Since(start)
}

// waitRole waits until a Redis node reports role (master or slave).
func waitRole(t *testing.T, node, role string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	c := redisClient(node)
	defer c.Close()
	testenv.Eventually(t, within, func() string {
		// Errors are expected while Sentinel reconfigures the node: look again.
		info, err := c.Info(context.Background(), "replication").Result()
		if err != nil || !strings.Contains(info, "role:"+role) {
			return fmt.Sprintf("%s is not %s yet (%v)", node, role, err)
		}
		return ""
	})
	return time.Since(start)
}

// galeraStatus reads a Galera node's cluster status as root over its socket
// (the test's own connection, never cut).
func galeraStatus(t *testing.T, node string) string {
	t.Helper()
	out, err := runCmd("mariadb", "--no-defaults", "-S", filepath.Join(runDir, "sock", node+".sock"), "-uroot", "-N", "-B",
		"--connect-timeout=2", "-e", "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'")
	if err != nil {
		return "unreachable: " + strings.TrimSpace(out)
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "wsrep_cluster_status"))
}

// replicaLink is a Redis replica's view of its link to the master.
func replicaLink(node string) string {
	c := redisClient(node)
	defer c.Close()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		return node + ": " + err.Error()
	}
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "master_link_status:") {
			return node + " " + strings.TrimSpace(line)
		}
	}
	return node + ": no master link"
}

// galeraWrite tries a write on a node directly (the app's account over TCP)
// and returns its error.
func galeraWrite(node string) error {
	p := map[string]int{"galera1": 3311, "galera2": 3312, "galera3": 3313}[node]
	db, err := sql.Open("mysql", "rental:rental@tcp("+addr(p)+")/rental?timeout=2s&readTimeout=3s&writeTimeout=3s")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, "DELETE FROM outbox WHERE id = -1")
	return err
}

func waitGalera(t *testing.T, node, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	testenv.Eventually(t, within, func() string {
		if got := galeraStatus(t, node); got != want {
			return fmt.Sprintf("%s: wsrep_cluster_status %q, want %q", node, got, want)
		}
		return ""
	})
	return time.Since(start)
}

// runCmd runs a program and returns its combined output.
func runCmd(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// shEnv is sh with more environment (it comes last, so it wins).
func shEnv(env map[string]string, name string, args ...string) (string, error) {
	cmd := osexec.Command(name, args...)
	cmd.Dir = repo
	cmd.Env = os.Environ()
	for k, v := range clusterEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitHAProxyDown waits until HAProxy reports a server of a backend down.
func waitHAProxyDown(t *testing.T, backend, server string, within time.Duration) {
	t.Helper()
	testenv.Eventually(t, within, func() string {
		r := ops.Status(context.Background(), cfg(t), testenv.Logger())
		if r.HAProxy == nil {
			return "no HAProxy status"
		}
		for _, b := range r.HAProxy.Backends {
			for _, sv := range b.Servers {
				if b.Name == backend && sv.Name == server {
					if strings.HasPrefix(sv.Status, "DOWN") {
						return ""
					}
					return fmt.Sprintf("%s/%s is %s", backend, server, sv.Status)
				}
			}
		}
		return fmt.Sprintf("no %s/%s in HAProxy's status", backend, server)
	})
}

func restartApps(t *testing.T, env map[string]string, nodes ...string) {
	t.Helper()
	for _, n := range nodes {
		if out, err := shEnv(env, script(), "kill-node", n); err != nil {
			t.Fatalf("kill-node %s: %v\n%s", n, err, out)
		}
		if out, err := shEnv(env, script(), "start-node", n); err != nil {
			t.Fatalf("start-node %s: %v\n%s", n, err, out)
		}
	}
}

func scenarios() []scenario {
	redisMasterIsolated := func(withAPI bool) func(t *testing.T, s *stage) {
		return func(t *testing.T, s *stage) {
			if withAPI {
				// The master and api1 on one side; HAProxy and Galera reach both
				// sides (api1 keeps taking commands and publishing to the old master).
				s.net.cut([]string{s.master, "api1"}, append([]string{s.other, "api2", "worker1", "worker2"}, sentinels...))
			} else {
				s.net.isolate(s.master)
			}
			took := waitSentinelMaster(t, s.other, 30*time.Second)
			s.note("Sentinel promoted %s %.1f s after the cut", s.other, took.Seconds())
		}
	}
	redisHeal := func(t *testing.T, s *stage) {
		s.net.heal()
		took := waitRole(t, s.master, "slave", 60*time.Second)
		s.note("old master %s a replica again %.1f s after the heal", s.master, took.Seconds())
	}
	heal := func(t *testing.T, s *stage) { s.net.heal() }
	return []scenario{
		{
			name: "redis-master-isolated", faults: "the Redis master cut off from the Sentinels, the replica and the apps; healed 15 s after the promotion",
			hold: 15 * time.Second, inject: redisMasterIsolated(false), heal: redisHeal,
		},
		{
			name:   "relay-hole-proof",
			faults: "as the next, with the apps run as before the fix (RENTAL_RELAY_MIN_REPLICAS=0: a master without replicas confirms at once); 70 s, longer than repl-timeout (60 s)",
			hold:   70 * time.Second, inject: func(t *testing.T, s *stage) {
				restartApps(t, map[string]string{"RENTAL_RELAY_MIN_REPLICAS": "0"}, "api1", "api2", "worker1", "worker2")
				// Back to the fixed apps even when the proof fails half-way.
				t.Cleanup(func() { restartApps(t, nil, "api1", "api2", "worker1", "worker2") })
				redisMasterIsolated(true)(t, s)
			},
			heal: redisHeal, expectLoss: true,
		},
		{
			name: "redis-master-isolated-with-api", faults: "the Redis master and api1 cut off from the replica, the Sentinels, api2 and the workers (HAProxy and Galera reach both sides); 70 s, longer than repl-timeout (60 s)",
			hold: 70 * time.Second, inject: redisMasterIsolated(true), heal: redisHeal,
		},
		{
			name: "sentinel-minority", faults: "sentinel3 cut off from every node for 15 s",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) { s.net.isolate("sentinel3") }, heal: heal,
			after: func(t *testing.T, s *stage, row *partitionRow) {
				if m := redisNodes[waitHealthy(t).Redis.Master]; m != s.master {
					t.Errorf("a Sentinel minority must not fail the master over: master %s, was %s", m, s.master)
				}
			},
		},
		{
			name: "galera-node-cut", faults: "galera3 cut off from galera1 and galera2 for 15 s (HAProxy and the apps still reach it)",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.cut([]string{"galera3"}, []string{"galera1", "galera2"})
				took := waitGalera(t, "galera3", "non-Primary", 30*time.Second)
				s.note("galera3 non-Primary %.1f s after the cut", took.Seconds())
				if err := galeraWrite("galera3"); err == nil {
					t.Errorf("galera3, cut off from the majority, took a write")
				} else {
					s.note("a write on galera3 while cut off: %v", err)
				}
				waitHAProxyDown(t, "galera_reader", "galera3", 15*time.Second)
				s.note("HAProxy took galera3 out of the reader backend")
			}, heal: func(t *testing.T, s *stage) {
				s.net.heal()
				took := waitGalera(t, "galera3", "Primary", 60*time.Second)
				s.note("galera3 Primary again %.1f s after the heal", took.Seconds())
			},
		},
		{
			name: "galera-writer-isolated", faults: "galera1 (HAProxy's writer) cut off from every node for 15 s",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) { s.net.isolate("galera1") },
			heal: func(t *testing.T, s *stage) {
				s.net.heal()
				took := waitGalera(t, "galera1", "Primary", 60*time.Second)
				s.note("galera1 Primary again %.1f s after the heal", took.Seconds())
			},
		},
		{
			name: "worker-cut-from-redis", faults: "worker1 cut off from both Redis nodes and the Sentinels for 30 s",
			hold: 30 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.cut([]string{"worker1"}, append([]string{"redis1", "redis2"}, sentinels...))
			}, heal: heal,
		},
		{
			name: "api-cut-from-mysql", faults: "api1 cut off from MySQL (HAProxy's MySQL ports) for 15 s; HAProxy's HTTP front still reaches it",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.cutPorts("api1", "haproxy", port(3307), port(3308))
			}, heal: heal,
		},
		{
			name: "api-cut-from-redis", faults: "api1 cut off from both Redis nodes and the Sentinels for 15 s",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.cut([]string{"api1"}, append([]string{"redis1", "redis2"}, sentinels...))
			}, heal: heal,
		},
		{
			name: "lossy-redis-replica-and-galera3", faults: "5% packet loss (nftables numgen) on every link of the Redis replica and of galera3 for 20 s",
			hold: 20 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.lossy(s.other, 5)
				s.net.lossy("galera3", 5)
			}, heal: heal,
		},
		{
			name: "slow-redis-replica-and-galera3", faults: "200 ms of delay each way on every TCP connection of the Redis replica and of galera3 (a delaying proxy: no netem here) for 20 s",
			hold: 20 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.slow(s.other, 200*time.Millisecond)
				s.net.slow("galera3", 200*time.Millisecond)
			}, heal: func(t *testing.T, s *stage) {
				s.note("while slow: galera3 %s; %s", galeraStatus(t, "galera3"), replicaLink(s.other))
				s.net.heal()
				took := waitGalera(t, "galera3", "Primary", 60*time.Second)
				s.note("galera3 Primary %.1f s after the heal", took.Seconds())
			},
		},
		{
			name: "redis-master-and-galera-node", faults: "the Redis master and galera3 each cut off from every node at once, for 15 s after the promotion",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.net.isolate(s.master)
				s.net.isolate("galera3")
				took := waitSentinelMaster(t, s.other, 30*time.Second)
				s.note("Sentinel promoted %s %.1f s after the cut", s.other, took.Seconds())
			}, heal: func(t *testing.T, s *stage) {
				redisHeal(t, s)
				waitGalera(t, "galera3", "Primary", 60*time.Second)
			},
		},
		{
			name: "redis-master-disk-full", faults: "the Redis master's filesystem full (its AOF writes fail) for 15 s",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.freeDisk = fillDisk(t, s.master)
			}, heal: func(t *testing.T, s *stage) {
				s.freeDisk()
				freed := time.Now()
				// A master that cannot write its AOF answers even PING with
				// MISCONF, so Sentinel may fail it over; either way both nodes
				// must be back in service, the old one replicating (it once
				// panicked here: "Replica was unable to write command to disk").
				m := redisNodes[waitHealthy(t).Redis.Master]
				took := time.Since(freed)
				if m != s.master {
					s.note("Sentinel failed %s over to %s while its disk was full", s.master, m)
					waitRole(t, s.master, "slave", 60*time.Second)
				}
				s.note("both Redis nodes in service (%s the master) %.1f s after the disk was freed", m, took.Seconds())
			},
		},
		{
			name: "galera-node-disk-full", faults: "galera3's filesystem full for 15 s",
			hold: 15 * time.Second, inject: func(t *testing.T, s *stage) {
				s.freeDisk = fillDisk(t, "galera3")
			}, heal: func(t *testing.T, s *stage) {
				s.freeDisk()
				freed := time.Now()
				// A node that cannot apply a write set takes itself out rather
				// than diverge: it aborts (InnoDB "Out of disk space" in the
				// applier's rollback) or, voted inconsistent by the others,
				// disconnects and stays so. The other two keep the quorum. Its
				// supervisor restarts it (here the operator's kill-node and
				// start-node) and it rejoins by IST or SST.
				raw, _ := os.ReadFile(filepath.Join(runDir, "logs", "galera3.log"))
				log := string(raw)
				var how string
				if _, err := sh(script(), "pid", "galera3"); err != nil {
					how = "aborted"
					if strings.Contains(log, "Error (Out of disk space)") {
						how += " (InnoDB: out of disk space applying a write set)"
					}
				} else if st := galeraStatus(t, "galera3"); st != "Primary" {
					how = "left the cluster (wsrep_cluster_status " + st + ")"
					if strings.Contains(log, "Inconsistent by consensus") {
						how += ", voted inconsistent after a failed apply (table full)"
					}
					if out, err := shEnv(nil, script(), "kill-node", "galera3"); err != nil {
						t.Fatalf("cluster.sh kill-node galera3: %v\n%s", err, out)
					}
				}
				if how != "" {
					s.note("galera3 %s while its disk was full; restarted with cluster.sh start-node", how)
					if out, err := sh(script(), "start-node", "galera3"); err != nil {
						t.Fatalf("cluster.sh start-node galera3: %v\n%s", err, out)
					}
				} else {
					s.note("galera3 stayed in the cluster")
				}
				waitGalera(t, "galera3", "Primary", 120*time.Second)
				s.note("galera3 Primary %.1f s after its disk was freed", time.Since(freed).Seconds())
			},
		},
	}
}

func writePartitionReport(t *testing.T, rows []partitionRow, took time.Duration) {
	t.Helper()
	dir := filepath.Join(runDir, "fault-report")
	_ = os.MkdirAll(dir, 0o755)
	raw, _ := json.MarshalIndent(map[string]any{"took_s": took.Seconds(), "scenarios": rows}, "", "  ")
	_ = os.WriteFile(filepath.Join(dir, "partitions.json"), append(raw, '\n'), 0o644)
	var md strings.Builder
	md.WriteString("| scenario | load | faults (and what they caused) | acknowledged commands | lost | duplicates | client errors during the fault (commands / queries) | tries without an answer | longest answer (command / query) | writes / reads away at most | back after the heal (writes / reads) | 404s of acknowledged listings (of own reads; from MySQL) | 500s | check after healing |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		check := fmt.Sprintf("clean (%.1f s)", r.ConvergedS)
		if !r.CheckClean {
			check = fmt.Sprintf("%d differences", r.CheckDiffs)
		}
		faults := r.Faults
		if len(r.Notes) > 0 {
			faults += ": " + strings.Join(r.Notes, "; ")
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %d | %d | %d | %d / %d | %d | %.2f s / %.2f s | %.1f s / %.1f s | %.2f s / %.2f s | %d (of %d; %d from MySQL) | %d | %s |\n",
			r.Scenario, r.Load, faults, r.Commands, r.Lost, r.Duplicates, r.CommandErrors, r.QueryErrors, r.NoAnswer,
			r.LongestCommandS, r.LongestQueryS, r.WriteGapS, r.ReadGapS, r.WritesBackS, r.ReadsBackS,
			r.AckedNotFound, r.OwnReads, r.OwnReadsFromMySQL, r.InternalErrors, check)
	}
	fmt.Fprintf(&md, "\n%d scenarios in %.0f s\n", len(rows), took.Seconds())
	_ = os.WriteFile(filepath.Join(dir, "partitions.md"), []byte(md.String()), 0o644)
	t.Logf("partition scenarios:\n%s", md.String())
}
