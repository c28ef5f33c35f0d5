package bench

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// Redis is the Redis a run uses: the shared one (PID 0: CPU is then summed
// over every redis-server on the host) or a private redis-server the bench
// started, whose own CPU and SLOWLOG are the run's alone.
type Redis struct {
	Addr string
	PID  int
	stop func()
}

// SharedRedis is the Redis at addr, started by someone else.
func SharedRedis(addr string) *Redis { return &Redis{Addr: addr} }

// StartRedis starts a private redis-server on a free port, without
// persistence (a benchmark's data is scratch), logging every call slower
// than 100 µs in a SLOWLOG long enough to keep the slowest.
func StartRedis(ctx context.Context) (*Redis, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("a private Redis needs redis-server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	dir, err := os.MkdirTemp("", "rentalbench-redis-")
	if err != nil {
		return nil, err
	}
	port := addr[strings.LastIndex(addr, ":")+1:]
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no",
		"--daemonize", "no", "--logfile", dir+"/redis.log", "--slowlog-log-slower-than", "100", "--slowlog-max-len", "100000")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting redis-server: %w", err)
	}
	r := &Redis{Addr: addr, PID: cmd.Process.Pid, stop: func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = os.RemoveAll(dir)
	}}
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	for deadline := time.Now().Add(10 * time.Second); c.Ping(ctx).Err() != nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			r.Close()
			return nil, fmt.Errorf("the private redis-server on %s did not answer", addr)
		}
	}
	return r, nil
}

// Close stops a private server (a shared one is left alone).
func (r *Redis) Close() {
	if r.stop != nil {
		r.stop()
	}
}

// Private reports whether the bench started this server.
func (r *Redis) Private() bool { return r.PID != 0 }

// slowlog reads what the server logged since the last reset (and resets):
// the slowest call, "1.23 ms EVALSHA (search)", and how many took longer
// than bound (one slowest call can be the machine taking the CPU from
// Redis; how many passed the bound says more). On a shared server, whose
// log holds everyone's calls: "-" and -1.
func (r *Redis) slowlog(ctx context.Context, bound time.Duration) (string, int) {
	if !r.Private() {
		return "- (shared Redis)", -1
	}
	c := goredis.NewClient(&goredis.Options{Addr: r.Addr})
	defer c.Close()
	logs, err := c.SlowLogGet(ctx, -1).Result()
	if err != nil {
		return "? (" + err.Error() + ")", -1
	}
	c.Do(ctx, "SLOWLOG", "RESET")
	over, worst := tally(logs, bound)
	if worst.Duration == 0 {
		return "< 0.10 ms", over
	}
	return fmt.Sprintf("%s %s", ms(worst.Duration), describeCall(worst.Args)), over
}

// tally is what a run's SLOWLOG says: how many calls took longer than
// bound, and the slowest, leaving out the bench's own reads of the log.
func tally(logs []goredis.SlowLog, bound time.Duration) (over int, worst goredis.SlowLog) {
	for _, l := range logs {
		if isSlowlogRead(l) {
			continue
		}
		if l.Duration > bound {
			over++
		}
		if l.Duration > worst.Duration {
			worst = l
		}
	}
	return over, worst
}

// isSlowlogRead reports whether a logged call is the bench reading or
// resetting the log (a SLOWLOG GET or RESET of 100,000 entries is itself
// slow), not the run's.
func isSlowlogRead(l goredis.SlowLog) bool {
	return len(l.Args) > 0 && strings.EqualFold(l.Args[0], "slowlog")
}

func (r *Redis) resetSlowlog(ctx context.Context) {
	if r.Private() {
		c := goredis.NewClient(&goredis.Options{Addr: r.Addr})
		defer c.Close()
		c.Do(ctx, "SLOWLOG", "RESET")
	}
}

// describeCall names a logged call by its command and, for a script, the
// first key (which says which read model it touched).
func describeCall(args []string) string {
	if len(args) == 0 {
		return "?"
	}
	name := strings.ToUpper(args[0])
	if (name == "EVALSHA" || name == "EVALSHA_RO" || name == "EVAL") && len(args) > 3 {
		if n, _ := strconv.Atoi(args[2]); n > 0 {
			return name + " " + args[3]
		}
		// No keys (put.lua takes its keys' prefix in ARGV): its first
		// arguments say what it wrote.
		out := name + " " + args[1][:min(len(args[1]), 8)]
		for _, a := range args[3:min(len(args), 6)] {
			out += " " + a[:min(len(a), 48)]
		}
		return out
	}
	if len(args) > 1 {
		return name + " " + args[1]
	}
	return name
}
