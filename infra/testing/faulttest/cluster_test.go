//go:build cluster

package faulttest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/status"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// repo is the repository root (tests run in their package directory).
var repo = func() string {
	dir, err := filepath.Abs("../../..")
	if err != nil {
		panic(err)
	}
	return dir
}()

func script() string { return filepath.Join(repo, "infra/deploy/local/cluster.sh") }

// The fault tests run their own cluster: its own run directory (data, logs,
// binaries, reports) and make up's ports plus portOffset, so they never write
// to what make up serves and can run while it runs.
const portOffset = 5000

// runDir is the test cluster's run directory (RENTAL_FAULT_RUN_DIR, default
// <repo>/.run-faulttest). A run starts it from nothing unless the test
// cluster is still running (RENTAL_FAULT_KEEP), and leaves it (stopped) for
// the logs and reports.
var runDir = func() string {
	if d := os.Getenv("RENTAL_FAULT_RUN_DIR"); d != "" {
		return d
	}
	return filepath.Join(repo, ".run-faulttest")
}()

// nodeCgroup puts every node in its own cgroup (rental-faulttest/<node>),
// which the partition tests use to cut links between nodes (partition_test.go).
const nodeCgroup = "rental-faulttest"

// port is a make up port moved to the test cluster.
func port(p int) int { return p + portOffset }

// addr is 127.0.0.1 and a make up port moved to the test cluster.
func addr(p int) string { return fmt.Sprintf("127.0.0.1:%d", port(p)) }

// front is the test cluster's HAProxy HTTP front of the two api replicas.
var front = fmt.Sprintf("http://127.0.0.1:%d/api/v1", port(9000))

// clusterEnv is what cluster.sh, rentalctl and the tests' own connections
// get: the test cluster's run directory, ports and addresses.
var clusterEnv = map[string]string{
	"RENTAL_RUN_DIR":           runDir,
	"RENTAL_BIN_DIR":           filepath.Join(runDir, "bin"),
	"RENTAL_PORT_OFFSET":       strconv.Itoa(portOffset),
	"RENTAL_NODE_CGROUP":       nodeCgroup,
	"RENTAL_MYSQL_DSN":         "rental:rental@tcp(" + addr(3307) + ")/rental",
	"RENTAL_MYSQL_READ_DSN":    "rental:rental@tcp(" + addr(3308) + ")/rental",
	"RENTAL_MYSQL_NODES":       addr(3311) + "," + addr(3312) + "," + addr(3313),
	"RENTAL_HAPROXY_STATS_URL": "http://" + addr(8404) + "/stats;csv",
	"RENTAL_REDIS_SENTINELS":   addr(26380) + "," + addr(26381) + "," + addr(26382),
	// Every account the tests open comes from 127.0.0.1, run after run on a
	// kept cluster: no per-address registration limit (the limits have tests of their own).
	"RENTAL_REGISTRATIONS_PER_ADDRESS": "0",
}

// sh runs a command in the repository, pointed at the test cluster, and
// returns its combined output.
func sh(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = repo
	cmd.Env = os.Environ()
	for k, v := range clusterEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestMain builds the binaries and brings the test cluster up from nothing
// (migrated and seeded); it stops the cluster at the end unless it was
// running before or RENTAL_FAULT_KEEP is set.
func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	_, err := sh(script(), "pid", "galera1")
	wasRunning := err == nil
	if !wasRunning {
		// Leftovers of an earlier run: nodes still up, packet filters, mounts, cgroups, the data.
		dropNftTable()
		if out, err := sh(script(), "down"); err != nil {
			fmt.Fprintf(os.Stderr, "faulttest: cluster.sh down (leftovers) failed: %v\n%s\n", err, out)
			return 1
		}
		if err := removeRunDir(); err != nil {
			fmt.Fprintf(os.Stderr, "faulttest: %v\n", err)
			return 1
		}
		if err := prepareDisks(); err != nil {
			fmt.Fprintf(os.Stderr, "faulttest: %v\n", err)
			return 1
		}
	}
	steps := [][]string{
		{"go", "build", "-o", clusterEnv["RENTAL_BIN_DIR"] + "/", "./cmd/..."},
		{script(), "up-data"},
		{rentalctl(), "migrate"},
		{rentalctl(), "seed"},
		// Apps already running may be older builds: restart them on the new ones.
		{script(), "down-apps"},
		{script(), "up-apps"},
	}
	for _, s := range steps {
		start := time.Now()
		out, err := sh(s[0], s[1:]...)
		fmt.Printf("faulttest: %s (%.1fs)\n", strings.Join(s, " "), time.Since(start).Seconds())
		if err != nil {
			fmt.Fprintf(os.Stderr, "faulttest: %s failed: %v\n%s\n", strings.Join(s, " "), err, out)
			return 1
		}
	}
	code := m.Run()
	if !wasRunning && os.Getenv("RENTAL_FAULT_KEEP") == "" {
		if out, err := sh(script(), "down"); err != nil {
			fmt.Fprintf(os.Stderr, "faulttest: cluster.sh down failed: %v\n%s\n", err, out)
			if code == 0 {
				code = 1
			}
		}
		dropNftTable()
		releaseDisks()
		removeCgroups()
	}
	return code
}

func rentalctl() string { return filepath.Join(clusterEnv["RENTAL_BIN_DIR"], "rentalctl") }

// removeRunDir deletes the test cluster's run directory after unmounting
// any filesystem an earlier run left mounted in it.
func removeRunDir() error {
	releaseDisks()
	removeCgroups()
	if err := os.RemoveAll(runDir); err != nil {
		return fmt.Errorf("removing the test cluster's run directory: %w", err)
	}
	return nil
}

// cfg is the configuration every binary of the test cluster gets.
func cfg(t *testing.T) config.Config {
	t.Helper()
	c, err := config.FromLookup(func(k string) (string, bool) { v, ok := clusterEnv[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// open connects to the cluster as a tool would; closed when the test ends.
func open(t *testing.T) *system.Base {
	t.Helper()
	b, err := system.Open(context.Background(), cfg(t), testenv.Logger())
	if err != nil {
		t.Fatalf("connecting to the cluster: %v", err)
	}
	t.Cleanup(b.Close)
	return b
}

// pid returns a node's PID.
func pid(t *testing.T, node string) int {
	t.Helper()
	out, err := sh(script(), "pid", node)
	if err != nil {
		t.Fatalf("%s is not running: %s", node, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil {
		t.Fatalf("pid of %s: %q", node, out)
	}
	return n
}

// signal sends sig to a node the cluster script started (by its PID).
func signal(t *testing.T, node string, p int, sig syscall.Signal) {
	t.Helper()
	if err := syscall.Kill(p, sig); err != nil {
		t.Fatalf("sending %s to %s (pid %d): %v", sig, node, p, err)
	}
}

// kill9 kills a node with SIGKILL and waits until it is gone.
func kill9(t *testing.T, node string) time.Time {
	t.Helper()
	p := pid(t, node)
	signal(t, node, p, syscall.SIGKILL)
	at := time.Now()
	testenv.Eventually(t, 10*time.Second, func() string {
		if err := syscall.Kill(p, 0); err == nil {
			if state, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p)); !strings.Contains(string(state), ") Z") {
				return fmt.Sprintf("%s (pid %d) still alive", node, p)
			}
		}
		return ""
	})
	t.Logf("%s (pid %d) killed with SIGKILL", node, p)
	return at
}

// startNode restarts a node the way an operator would and records how long
// `cluster.sh start-node` took (until the node is back in service).
func startNode(t *testing.T, node string, rep *report) {
	t.Helper()
	start := time.Now()
	out, err := sh(script(), "start-node", node)
	if err != nil {
		t.Fatalf("cluster.sh start-node %s: %v\n%s", node, err, out)
	}
	rep.Measured["start_node_"+node+"_s"] = time.Since(start).Seconds()
	t.Logf("cluster.sh start-node %s:\n%s", node, strings.TrimSpace(out))
}

// waitHealthy waits until rentalctl status finds no problem.
func waitHealthy(t *testing.T) status.Report {
	t.Helper()
	var r status.Report
	testenv.Eventually(t, 90*time.Second, func() string {
		r = ops.Status(context.Background(), cfg(t), testenv.Logger())
		if !r.Healthy() {
			return fmt.Sprintf("status problems: %v", r.Problems)
		}
		return ""
	})
	return r
}
