package bench

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// pinning puts the private Redis on one core and this process (the workers)
// on another while a drain runs, with taskset (util-linux): on a machine of
// two cores where the bench, the worker and Redis would otherwise meet on
// either core, each of the two then has a core of its own to compete for
// (other processes still run there: the load average says how many). It
// returns what undoes it and the pinning as the table says it.
func pinning(redisPID int) (undo func(), said string, err error) {
	if redisPID == 0 {
		return nil, "", fmt.Errorf("pinning needs the private Redis (--private-redis)")
	}
	self := os.Getpid()
	var undos []func()
	undo = func() {
		for i := len(undos) - 1; i >= 0; i-- {
			undos[i]()
		}
	}
	for _, p := range []struct {
		pid  int
		cpus string
	}{{redisPID, "1"}, {self, "0"}} {
		was, err := affinity(p.pid)
		if err != nil {
			undo()
			return nil, "", err
		}
		if err := setAffinity(p.pid, p.cpus); err != nil {
			undo()
			return nil, "", err
		}
		pid := p.pid
		undos = append(undos, func() { _ = setAffinity(pid, was) })
	}
	// One core, one P: the Go scheduler then does not run two threads
	// against each other on it (SetDefaultGOMAXPROCS gives back the default).
	runtime.GOMAXPROCS(1)
	undos = append(undos, func() { runtime.SetDefaultGOMAXPROCS() })
	return undo, "Redis on CPU 1, the worker (bench process, GOMAXPROCS 1) on CPU 0", nil
}

// affinity is the CPU list pid may run on ("0,1", "0-1").
func affinity(pid int) (string, error) {
	out, err := exec.Command("taskset", "-c", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return "", fmt.Errorf("reading the CPU affinity of %d (taskset): %w", pid, err)
	}
	_, list, ok := strings.Cut(strings.TrimSpace(string(out)), ": ")
	if !ok {
		return "", fmt.Errorf("reading the CPU affinity of %d: taskset said %q", pid, out)
	}
	return list, nil
}

// setAffinity binds every thread of pid to cpus; threads it starts later
// inherit it.
func setAffinity(pid int, cpus string) error {
	if out, err := exec.Command("taskset", "-a", "-c", "-p", cpus, strconv.Itoa(pid)).CombinedOutput(); err != nil {
		return fmt.Errorf("binding %d to CPU %s (taskset): %w: %s", pid, cpus, err, out)
	}
	return nil
}
