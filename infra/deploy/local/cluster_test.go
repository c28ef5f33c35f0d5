// Package local holds the tests of cluster.sh that start nothing.
package local

import (
	"context"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func clusterSh(ctx context.Context, env ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "./cluster.sh")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// A run directory under a directory that user mysql (which runs Galera)
// cannot enter, as mktemp -d makes, fails at once with a message naming the
// directory, before anything is created or started (it used to fail deep in
// mariadb-install-db with Aria errors).
func TestClusterSh_refusesARunDirectoryMySQLCannotReach(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("cluster.sh runs as root")
	}
	if _, err := user.Lookup("mysql"); err != nil {
		t.Skip("no mysql user (MariaDB is not installed)")
	}
	private, err := os.MkdirTemp("", "rental-run-") // mode 0700, as mktemp -d
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(private)
	run := filepath.Join(private, "run")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	// Ports moved far from make up's, so nothing could collide even if the check failed.
	cmd := clusterSh(ctx, "RENTAL_RUN_DIR="+run, "RENTAL_PORT_OFFSET=7000")
	cmd.Args = append(cmd.Args, "up-data")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("cluster.sh up-data accepted a run directory user mysql cannot reach:\n%s", out)
	}
	for _, want := range []string{"not reachable by user mysql", "cannot enter " + private, "mode 700"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the message must say why (%q):\n%s", want, out)
		}
	}
	if _, err := os.Stat(run); !os.IsNotExist(err) {
		t.Errorf("the run directory was created before the check: %v", err)
	}
}

// RENTAL_PORT_OFFSET moves every port, so a second cluster (the fault
// tests') runs beside make up's: the environment it prints for tools names
// only moved ports.
func TestClusterSh_portOffsetMovesEveryAddress(t *testing.T) {
	cmd := clusterSh(context.Background(), "RENTAL_PORT_OFFSET=5000")
	cmd.Args = append(cmd.Args, "env")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cluster.sh env: %v\n%s", err, out)
	}
	for _, want := range []string{"tcp(127.0.0.1:8307)", "tcp(127.0.0.1:8308)", "127.0.0.1:8311,127.0.0.1:8312,127.0.0.1:8313",
		"127.0.0.1:13404", "127.0.0.1:31380,127.0.0.1:31381,127.0.0.1:31382", "127.0.0.1:14000/api/v1"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("cluster.sh env with offset 5000 lacks %s:\n%s", want, out)
		}
	}
	for _, old := range []string{":3307)", ":3308)", ":3311", ":26380", ":8404/", ":9000/"} {
		if strings.Contains(string(out), old) {
			t.Errorf("cluster.sh env with offset 5000 still names make up's %s:\n%s", old, out)
		}
	}
	bad := clusterSh(context.Background(), "RENTAL_PORT_OFFSET=5000x")
	bad.Args = append(bad.Args, "env")
	if out, err := bad.CombinedOutput(); err == nil || !strings.Contains(string(out), "RENTAL_PORT_OFFSET must be a whole number") {
		t.Errorf("a malformed offset must be refused with a message: %v\n%s", err, out)
	}
}
