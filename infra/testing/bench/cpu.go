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

// cpuWatch measures the CPU used by this process, every mariadbd and every
// redis-server between startCPU and stop: on a machine where the system
// under test, its servers and the load generator share the cores, that split
// says which part is the limit.
type cpuWatch struct {
	start time.Time
	ticks map[string]int64
}

var cpuGroups = []struct{ name, comm string }{{"bench", ""}, {"mariadb", "mariadbd"}, {"redis", "redis-server"}}

func startCPU() cpuWatch { return cpuWatch{start: time.Now(), ticks: cpuTicks()} }

// stop returns the share of one core each group used, "87% / 62% / 25%".
func (w cpuWatch) stop() string {
	now, secs := cpuTicks(), time.Since(w.start).Seconds()
	parts := make([]string, len(cpuGroups))
	for i, g := range cpuGroups {
		parts[i] = fmt.Sprintf("%.0f%%", float64(now[g.name]-w.ticks[g.name])/userHZ/secs*100)
	}
	return strings.Join(parts, " / ")
}

// cpuTicks sums utime+stime per group. A server that started or ended
// between two samples skews its group; benchmarks start theirs before.
func cpuTicks() map[string]int64 {
	out := map[string]int64{"bench": procTicks("/proc/self/stat")}
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(filepath.Join(d, "comm"))
		if err != nil {
			continue
		}
		for _, g := range cpuGroups[1:] {
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
