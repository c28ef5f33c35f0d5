package bench

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"testing"

	goredis "github.com/redis/go-redis/v9"
	"golang.org/x/sys/unix"
)

func startRedis(t *testing.T) *Redis {
	t.Helper()
	r, err := StartRedis(context.Background())
	if err != nil {
		t.Skip(err) // no redis-server on this machine
	}
	t.Cleanup(r.Close)
	return r
}

func affinity(t *testing.T, tid int) unix.CPUSet {
	t.Helper()
	var s unix.CPUSet
	if err := unix.SchedGetaffinity(tid, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPinApart_givesRedisACPUOfItsOwnAndPutsEverythingBack(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: nothing to pin apart")
	}
	r := startRedis(t)
	redisBefore, benchBefore, procs := affinity(t, r.PID), affinity(t, 0), runtime.GOMAXPROCS(0)
	p, err := PinApart(r)
	if err != nil {
		t.Fatal(err)
	}
	last := runtime.NumCPU() - 1
	if got := affinity(t, r.PID); got.Count() != 1 || !got.IsSet(last) {
		t.Errorf("redis-server's main thread may run on %s, want CPU %d alone", cpuList(got), last)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	for _, task := range tasks {
		tid, _ := strconv.Atoi(task.Name())
		if got := affinity(t, tid); got.IsSet(last) {
			t.Errorf("the bench's thread %d may run on Redis's CPU %d (%s)", tid, last, cpuList(got))
		}
	}
	if runtime.GOMAXPROCS(0) != last {
		t.Errorf("GOMAXPROCS %d while pinned, want %d", runtime.GOMAXPROCS(0), last)
	}
	if p.String() == "" || !p.Pinned {
		t.Errorf("placement %+v does not say it pinned", p)
	}
	p.Undo()
	if got := affinity(t, r.PID); got != redisBefore {
		t.Errorf("redis-server's CPUs after Undo: %s, want %s", cpuList(got), cpuList(redisBefore))
	}
	if got := affinity(t, 0); got != benchBefore {
		t.Errorf("the bench's CPUs after Undo: %s, want %s", cpuList(got), cpuList(benchBefore))
	}
	if runtime.GOMAXPROCS(0) != procs {
		t.Errorf("GOMAXPROCS %d after Undo, want %d", runtime.GOMAXPROCS(0), procs)
	}
}

func TestCallStats_readsRedisOwnAccountOfEachCommand(t *testing.T) {
	r := startRedis(t)
	ctx := context.Background()
	rdb := goredis.NewClient(&goredis.Options{Addr: r.Addr})
	defer rdb.Close()
	rdb.ConfigResetStat(ctx)
	for i := range 50 {
		if err := rdb.Set(ctx, "k"+strconv.Itoa(i), "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for _, st := range callStats(ctx, rdb) {
		if st.name != "set" {
			continue
		}
		if st.calls != 50 || st.usecPer <= 0 || st.maxU <= 0 || st.p999 <= 0 {
			t.Fatalf("set: %+v, want 50 calls with their time, p99.9 and slowest bucket", st)
		}
		return
	}
	t.Fatal("no statistics for set")
}

func TestPrioritize_putsRedisFirstWithoutPinningAndPutsItBack(t *testing.T) {
	r := startRedis(t)
	before := affinity(t, r.PID)
	p, err := Prioritize(r)
	if err != nil {
		t.Fatal(err)
	}
	if !p.First {
		t.Skipf("real-time scheduling refused here: %s", p.Policy)
	}
	attr, err := unix.SchedGetAttr(r.PID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if attr.Policy != unix.SCHED_FIFO || attr.Priority != 1 {
		t.Errorf("redis-server runs policy %d priority %d, want SCHED_FIFO 1", attr.Policy, attr.Priority)
	}
	if got := affinity(t, r.PID); got != before {
		t.Errorf("Prioritize pinned redis-server to %s (was %s)", cpuList(got), cpuList(before))
	}
	p.Undo()
	if attr, err = unix.SchedGetAttr(r.PID, 0); err != nil || attr.Policy != unix.SCHED_NORMAL {
		t.Errorf("after Undo redis-server runs policy %d (%v), want SCHED_NORMAL", attr.Policy, err)
	}
}
