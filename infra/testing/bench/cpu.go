package bench

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux this runs on).
const userHZ = 100

// servers are the processes whose CPU a run reads beside its own: the
// MariaDB and the Redis the run uses, each found by asking the server for
// its PID (MariaDB's pid file, Redis's INFO process_id) and checking in /proc
// that the PID runs a server of that name here. A PID of 0 is one not found
// (a server on another host or in another PID namespace): that group is then
// the sum over every process of the name on the host, an estimate, which
// the figures mark with "≈".
type servers struct{ mariadb, redis int }

// cpuWatch measures the CPU used by this process and the run's servers
// between startCPU and stop: on a machine where the system under test, its
// servers and the load generator share the cores, that split says which
// part is the limit. A server's figure is all its work, other clients' too.
type cpuWatch struct {
	start time.Time
	pids  servers
	ticks map[string]int64
}

var cpuGroups = []struct{ name, comm string }{{"bench", ""}, {"mariadb", "mariadbd"}, {"redis", "redis-server"}}

func startCPU(pids servers) cpuWatch {
	return cpuWatch{start: time.Now(), pids: pids, ticks: cpuTicks(pids)}
}

// shares returns the share of one core each group used since startCPU.
func (w cpuWatch) shares() map[string]float64 {
	now, secs := cpuTicks(w.pids), time.Since(w.start).Seconds()
	out := map[string]float64{}
	for _, g := range cpuGroups {
		out[g.name] = float64(now[g.name]-w.ticks[g.name]) / userHZ / secs
	}
	return out
}

// stop returns the share of one core each group used, "87% / 62% / 25%",
// an estimated group's marked "≈62%".
func (w cpuWatch) stop() string {
	sh := w.shares()
	parts := make([]string, len(cpuGroups))
	for i, g := range cpuGroups {
		parts[i] = fmt.Sprintf("%.0f%%", sh[g.name]*100)
		if w.pids.of(g.name) == 0 && g.comm != "" {
			parts[i] = "≈" + parts[i]
		}
	}
	return strings.Join(parts, " / ")
}

func (p servers) of(group string) int {
	switch group {
	case "mariadb":
		return p.mariadb
	case "redis":
		return p.redis
	}
	return 0
}

// note says what each CPU figure measured, for a table's notes.
func (p servers) note() string {
	say := func(name, comm string, pid int) string {
		if pid == 0 {
			return fmt.Sprintf("%s ≈ every %s on the host (the run's server was not found among this host's processes: an estimate)", name, comm)
		}
		return fmt.Sprintf("%s = the run's server, PID %d (anything else it serves counts too)", name, pid)
	}
	return "CPU is the share of one core each used, from /proc: the bench process; " + say("MariaDB", "mariadbd", p.mariadb) +
		"; " + say("Redis", "redis-server", p.redis) + "."
}

// cpuTicks sums utime+stime per group. A server that started or ended
// between two samples skews its group; benchmarks start theirs before.
func cpuTicks(pids servers) map[string]int64 {
	out := map[string]int64{"bench": procTicks("/proc/self/stat")}
	var byName []string
	for _, g := range cpuGroups[1:] {
		if pid := pids.of(g.name); pid != 0 {
			out[g.name] = procTicks(fmt.Sprintf("/proc/%d/stat", pid))
		} else {
			byName = append(byName, g.name)
		}
	}
	if len(byName) == 0 {
		return out
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil {
			continue
		}
		for _, g := range cpuGroups[1:] {
			if slices.Contains(byName, g.name) && strings.TrimSpace(string(comm)) == g.comm {
				out[g.name] += procTicks(filepath.Join(d, "stat"))
			}
		}
	}
	return out
}

// runsHere returns pid if /proc says it runs comm on this host, else 0.
func runsHere(pid int, comm string) int {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil || strings.TrimSpace(string(b)) != comm {
		return 0
	}
	return pid
}

// findServers asks the run's MariaDB and Redis for their PIDs.
func findServers(ctx context.Context, db *sql.DB, rdb goredis.UniversalClient, privateRedis int) servers {
	var p servers
	var pidFile string
	if err := db.QueryRowContext(ctx, `SELECT @@pid_file`).Scan(&pidFile); err == nil {
		if b, err := os.ReadFile(pidFile); err == nil {
			pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
			p.mariadb = runsHere(pid, "mariadbd")
			if p.mariadb == 0 {
				p.mariadb = runsHere(pid, "mysqld")
			}
		}
	}
	p.redis = privateRedis
	if p.redis == 0 {
		if info, err := rdb.Info(ctx, "server").Result(); err == nil {
			for _, line := range strings.Split(info, "\n") {
				if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
					pid, _ := strconv.Atoi(v)
					p.redis = runsHere(pid, "redis-server")
				}
			}
		}
	}
	return p
}

// procTicks reads utime+stime of a /proc/<pid>/stat file (0 if it is gone).
func procTicks(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces, in parentheses:
	// state is field 3, utime 14 and stime 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return u + s
}

// loadAverage is the host's one-minute load average now ("1.23"): the
// machine is shared, and each figure is read beside it.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Fields(string(b))[0]
}

// LoadAverages is the host's load averages over 1, 5 and 15 minutes.
func LoadAverages() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
