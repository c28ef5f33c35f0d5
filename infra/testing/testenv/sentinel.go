package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// StartSentinel starts a private Redis Sentinel on a free port monitoring
// master (under name, quorum 1, authenticating with password if any); it
// is stopped when the test ends.
func StartSentinel(t testing.TB, name, master, password string) *RedisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server not installed: %v", err)
	}
	addr := FreeAddr(t)
	port := addr[strings.LastIndex(addr, ":")+1:]
	host, mport, _ := strings.Cut(master, ":")
	dir := t.TempDir()
	conf := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nlogfile %s\nsentinel announce-ip 127.0.0.1\n"+
		"sentinel monitor %s %s %s 1\nsentinel down-after-milliseconds %s 1000\nsentinel failover-timeout %s 5000\n",
		port, dir, filepath.Join(dir, "redis.log"), name, host, mport, name, name)
	if password != "" {
		conf += fmt.Sprintf("sentinel auth-pass %s %s\n", name, password)
	}
	// Sentinel rewrites its configuration file, so it must be writable.
	path := filepath.Join(dir, "sentinel.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &RedisServer{Addr: addr, t: t, dir: dir, args: []string{path, "--sentinel"}}
	s.start(bin)
	t.Cleanup(func() { s.Kill() })
	return s
}
