package bench

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of utime and stime in /proc/<pid>/stat (USER_HZ, 100 on
// every Linux this runs on).
const userHZ = 100

// cpuWatch measures the CPU used by this process, every mariadbd and the
// run's Redis (the private redis-server's PID, or every redis-server on the
// host when the run uses the shared one) between startCPU and stop: on a
// machine where the system under test, its servers and the load generator
// share the cores, that split says which part is the limit.
type cpuWatch struct {
	start    time.Time
	redisPID int
	ticks    map[string]int64
}

var cpuGroups = []struct{ name, comm string }{{"bench", ""}, {"mariadb", "mariadbd"}, {"redis", "redis-server"}}

func startCPU(redisPID int) cpuWatch {
	return cpuWatch{start: time.Now(), redisPID: redisPID, ticks: cpuTicks(redisPID)}
}

// shares returns the share of one core each group used since startCPU.
func (w cpuWatch) shares() map[string]float64 {
	now, secs := cpuTicks(w.redisPID), time.Since(w.start).Seconds()
	out := map[string]float64{}
	for _, g := range cpuGroups {
		out[g.name] = float64(now[g.name]-w.ticks[g.name]) / userHZ / secs
	}
	return out
}

// stop returns the share of one core each group used, "87% / 62% / 25%".
func (w cpuWatch) stop() string {
	sh := w.shares()
	parts := make([]string, len(cpuGroups))
	for i, g := range cpuGroups {
		parts[i] = fmt.Sprintf("%.0f%%", sh[g.name]*100)
	}
	return strings.Join(parts, " / ")
}

// cpuTicks sums utime+stime per group. A server that started or ended
// between two samples skews its group; benchmarks start theirs before.
func cpuTicks(redisPID int) map[string]int64 {
	out := map[string]int64{"bench": procTicks("/proc/self/stat")}
	if redisPID != 0 {
		out["redis"] = procTicks(fmt.Sprintf("/proc/%d/stat", redisPID))
	}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil {
			continue
		}
		for _, g := range cpuGroups[1:] {
			if g.name == "redis" && redisPID != 0 {
				continue
			}
			if strings.TrimSpace(string(comm)) == g.comm {
				out[g.name] += procTicks(filepath.Join(d, "stat"))
			}
		}
	}
	return out
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
