package bench

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Load is how wrk drives a server.
type Load struct {
	Threads     int
	Connections int
	Duration    time.Duration
	Headers     map[string]string // sent with every request (none by default, as wrk sends)
}

// DefaultLoad suits a 2-core machine with wrk beside the server.
var DefaultLoad = Load{Threads: 2, Connections: 32, Duration: 10 * time.Second}

// Throughput is what one wrk run measured.
type Throughput struct {
	RequestsPerSec float64
	P50, P99       time.Duration
	Errors         int // socket errors and non-2xx responses
	BodyBytes      int
}

// Wrk runs wrk against base, taking request paths in turn from paths, and
// parses its summary.
func Wrk(ctx context.Context, load Load, base string, paths []string) (Throughput, error) {
	return runWrk(ctx, load, base, paths, false)
}

// WrkRandom is Wrk taking the paths at random, each wrk thread from a
// sequence of its own: a path then repeats only by chance, not once per
// thread as Wrk's turns make it.
func WrkRandom(ctx context.Context, load Load, base string, paths []string) (Throughput, error) {
	return runWrk(ctx, load, base, paths, true)
}

func runWrk(ctx context.Context, load Load, base string, paths []string, random bool) (Throughput, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return Throughput{}, fmt.Errorf("wrk is not installed (apt-get install wrk): %w", err)
	}
	dir, err := os.MkdirTemp("", "rentalbench")
	if err != nil {
		return Throughput{}, err
	}
	defer os.RemoveAll(dir)
	var script strings.Builder
	for _, k := range slices.Sorted(maps.Keys(load.Headers)) {
		fmt.Fprintf(&script, "wrk.headers[%q] = %q\n", k, load.Headers[k])
	}
	script.WriteString("paths = {\n")
	for _, p := range paths {
		fmt.Fprintf(&script, "  %q,\n", p)
	}
	if random {
		// setup runs in the main state, once per thread; init in each thread's own.
		script.WriteString("}\nthreads = 0\nsetup = function(thread)\n  threads = threads + 1\n  thread:set(\"id\", threads)\nend\n" +
			"init = function(args)\n  math.randomseed(7919 * id + os.time())\nend\n" +
			"request = function()\n  return wrk.format(\"GET\", paths[math.random(#paths)])\nend\n")
	} else {
		script.WriteString("}\ni = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n")
	}
	lua := filepath.Join(dir, "paths.lua")
	if err := os.WriteFile(lua, []byte(script.String()), 0o644); err != nil {
		return Throughput{}, err
	}
	out, err := exec.CommandContext(ctx, "wrk", "--latency", "-t", strconv.Itoa(load.Threads), "-c", strconv.Itoa(load.Connections),
		"-d", load.Duration.String(), "-s", lua, base).CombinedOutput()
	if err != nil {
		return Throughput{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	return parseWrk(string(out))
}

var (
	rpsLine    = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	pctLine    = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([\d.]+)(us|ms|s)`)
	non2xxLine = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	sockLine   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

func parseWrk(out string) (Throughput, error) {
	var t Throughput
	m := rpsLine.FindStringSubmatch(out)
	if m == nil {
		return t, fmt.Errorf("no Requests/sec in wrk output: %s", out)
	}
	t.RequestsPerSec, _ = strconv.ParseFloat(m[1], 64)
	for _, p := range pctLine.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(p[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[3]]
		d := time.Duration(v * float64(unit))
		if p[1] == "50" {
			t.P50 = d
		} else {
			t.P99 = d
		}
	}
	if m := non2xxLine.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		t.Errors += n
	}
	if m := sockLine.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			t.Errors += n
		}
	}
	return t, nil
}
