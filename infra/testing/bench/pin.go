package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Placement says where a scenario ran its private redis-server and itself.
type Placement struct {
	Pinned  bool
	First   bool // Prioritize: Redis first to run on any CPU, nothing pinned
	Redis   int  // the CPU of redis-server's main thread (Pinned)
	Bench   unix.CPUSet
	Procs   int    // GOMAXPROCS while pinned
	Policy  string // the main thread's scheduling while pinned: "SCHED_FIFO 1", "nice -10" or "as it was"
	restore func()
}

// PinApart gives a private redis-server's main thread (the one that runs
// every command) a CPU of its own, the last, and this process the others,
// with GOMAXPROCS to match, so that the bench's own work never preempts
// Redis mid-call: SLOWLOG times a call by the wall clock, and a
// redis-server taken off its CPU is charged to the call it was running.
// Other processes of the host (other engineers' builds on a shared machine)
// could still take Redis's CPU mid-call, so the main thread also runs
// SCHED_FIFO at the lowest real-time priority while pinned (nice -10 where
// that is refused): the kernel's real-time throttling still leaves 5% of
// that CPU to everyone else, and Redis only takes it while the bench drives
// it. Redis's background threads (lazy free, AOF fsync) keep their CPUs and
// scheduling: they run beside the main thread, not inside a call. Undo
// restores all of it. With one CPU, or no private server, it pins nothing.
func PinApart(redis *Redis) (Placement, error) {
	n := runtime.NumCPU()
	if !redis.Private() || n < 2 {
		return Placement{restore: func() {}}, nil
	}
	var before, redisBefore unix.CPUSet
	if err := unix.SchedGetaffinity(0, &before); err != nil {
		return Placement{}, fmt.Errorf("reading the bench's CPUs: %w", err)
	}
	if err := unix.SchedGetaffinity(redis.PID, &redisBefore); err != nil {
		return Placement{}, fmt.Errorf("reading redis-server's CPUs: %w", err)
	}
	p := Placement{Pinned: true, Redis: n - 1, Procs: n - 1}
	for c := range n - 1 {
		p.Bench.Set(c)
	}
	var one unix.CPUSet
	one.Set(p.Redis)
	// The bench first: had Redis been pinned first, the bench could still
	// run on Redis's CPU while it is moved.
	if err := pinProcess(&p.Bench); err != nil {
		_ = pinProcess(&before)
		return Placement{}, err
	}
	if err := unix.SchedSetaffinity(redis.PID, &one); err != nil { // the main thread's tid is the PID
		_ = pinProcess(&before)
		return Placement{}, fmt.Errorf("pinning redis-server to CPU %d: %w", p.Redis, err)
	}
	attr, err := unix.SchedGetAttr(redis.PID, 0)
	if err != nil {
		_ = unix.SchedSetaffinity(redis.PID, &redisBefore)
		_ = pinProcess(&before)
		return Placement{}, fmt.Errorf("reading redis-server's scheduling: %w", err)
	}
	p.Policy = "as it was"
	if err := unix.SchedSetAttr(redis.PID, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}, 0); err == nil {
		p.Policy = "SCHED_FIFO 1"
	} else if err := unix.SchedSetAttr(redis.PID, &unix.SchedAttr{Policy: attr.Policy, Nice: -10}, 0); err == nil {
		p.Policy = "nice -10"
	}
	procs := runtime.GOMAXPROCS(p.Procs)
	p.restore = func() {
		runtime.GOMAXPROCS(procs)
		_ = unix.SchedSetAttr(redis.PID, attr, 0)
		_ = unix.SchedSetaffinity(redis.PID, &redisBefore)
		_ = pinProcess(&before)
	}
	return p, nil
}

// Prioritize runs a private redis-server's main thread at SCHED_FIFO 1 on
// whichever CPU it is woken on, nothing pinned: when Redis has a call to
// run it takes a CPU from the api, the worker, MariaDB and wrk, as a Redis
// with a core of its own would have it, so SLOWLOG times its calls and not
// the scheduler's choices, while the others keep both CPUs whenever Redis
// is idle (PinApart would leave them one). Undo restores the scheduling.
// With no private server, or when real-time scheduling is refused, it
// changes nothing (First false says so).
func Prioritize(redis *Redis) (Placement, error) {
	if !redis.Private() {
		return Placement{restore: func() {}}, nil
	}
	attr, err := unix.SchedGetAttr(redis.PID, 0)
	if err != nil {
		return Placement{}, fmt.Errorf("reading redis-server's scheduling: %w", err)
	}
	if err := unix.SchedSetAttr(redis.PID, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}, 0); err != nil {
		return Placement{restore: func() {}, Policy: "as it was: " + err.Error()}, nil
	}
	return Placement{First: true, Policy: "SCHED_FIFO 1", restore: func() { _ = unix.SchedSetAttr(redis.PID, attr, 0) }}, nil
}

// Undo puts the bench and Redis back on the CPUs they had.
func (p Placement) Undo() {
	if p.restore != nil {
		p.restore()
	}
}

// String says where the run ran, for the table.
func (p Placement) String() string {
	if p.First {
		return "redis-server's main thread at SCHED_FIFO 1, unpinned (first to run on any CPU when it has a call; everything else shares both CPUs)"
	}
	if !p.Pinned {
		return "unpinned (redis-server and the bench share every CPU)"
	}
	return fmt.Sprintf("redis-server's main thread pinned to CPU %d (%s), the bench to CPU %s (GOMAXPROCS %d)", p.Redis, p.Policy, cpuList(p.Bench), p.Procs)
}

func cpuList(s unix.CPUSet) string {
	out := ""
	for c := range runtime.NumCPU() {
		if s.IsSet(c) {
			if out != "" {
				out += ","
			}
			out += strconv.Itoa(c)
		}
	}
	return out
}

// pinProcess sets the CPUs of every thread of this process. Linux sets
// affinity per thread; a thread the Go runtime starts later inherits it from
// the thread that starts it, so two passes catch one started meanwhile.
func pinProcess(set *unix.CPUSet) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return fmt.Errorf("listing the bench's threads: %w", err)
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH { // ESRCH: the thread ended
				return fmt.Errorf("pinning the bench's thread %d: %w", tid, err)
			}
		}
	}
	return nil
}

// Stalls is what the machine alone takes from a thread placed as Redis's
// main thread is: the gaps a thread spinning on that CPU saw between two
// reads of the clock, for a run of Spun.
type Stalls struct {
	Spun         time.Duration
	Over1, Over2 int           // gaps over 1 ms and over 2 ms
	Longest      time.Duration // the longest gap
}

// MachineStalls spins for d on the CPU and with the scheduling of p's
// Redis (nothing else of the bench runs there), in slices of 100 ms with
// 10 ms of sleep between them (below the kernel's real-time throttling at
// 95%, which would otherwise stop the spinner itself), and returns the
// gaps: no Redis call can be shorter than a stall that hits it, so these say
// what the machine adds to SLOWLOG's figures. Redis must be idle meanwhile
// (a SCHED_FIFO spinner beside it would take its CPU).
func MachineStalls(p Placement, d time.Duration) (Stalls, error) {
	if !p.Pinned {
		return Stalls{}, nil
	}
	out := make(chan Stalls, 1)
	errs := make(chan error, 1)
	go func() {
		// The thread keeps its CPU and scheduling to the end and, left
		// locked, ends with the goroutine: no other goroutine runs on it.
		runtime.LockOSThread()
		var one unix.CPUSet
		one.Set(p.Redis)
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			errs <- fmt.Errorf("pinning the stall meter: %w", err)
			return
		}
		if p.Policy == "SCHED_FIFO 1" {
			if err := unix.SchedSetAttr(0, &unix.SchedAttr{Policy: unix.SCHED_FIFO, Priority: 1}, 0); err != nil {
				errs <- fmt.Errorf("scheduling the stall meter: %w", err)
				return
			}
		}
		var s Stalls
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			start := time.Now()
			last := start
			for now := last; now.Sub(start) < 100*time.Millisecond; now = time.Now() {
				gap := now.Sub(last)
				if gap > time.Millisecond {
					s.Over1++
				}
				if gap > 2*time.Millisecond {
					s.Over2++
				}
				s.Longest = max(s.Longest, gap)
				last = now
			}
			s.Spun += last.Sub(start)
		}
		out <- s
	}()
	select {
	case s := <-out:
		return s, nil
	case err := <-errs:
		return Stalls{}, err
	}
}

func (s Stalls) String() string {
	return fmt.Sprintf("%d gaps over 1 ms and %d over 2 ms in %.1f s of spinning, the longest %s", s.Over1, s.Over2, s.Spun.Seconds(), ms(s.Longest))
}
