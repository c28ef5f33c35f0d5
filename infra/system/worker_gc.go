package system

import (
	"os"
	"runtime/debug"
)

// WorkerGCPercent is a worker process's GOGC unless the environment sets one.
//
// A worker keeps little alive (the entries in flight, the clients' buffers:
// tens of MB) and allocates fast (every event's envelope, state, write
// arguments and replies), so at Go's default of 100 it collected many times a
// second: about a fifth of its CPU per event went to marking, sweeping and
// assists (the drain's profile, docs/BENCHMARKS.md "Issue 12: workers,
// 2026-12-04"). At 400 the heap may grow to five times what is alive before
// a collection (70–87 MB at most in the workers benchmark, against 48–56 MB),
// it collected a fifth as often, and the worker's CPU per listing event fell
// from 28–30 µs to 24–26 µs.
const WorkerGCPercent = 400

// TuneWorkerGC sets WorkerGCPercent for this process, unless GOGC is set in
// the environment (an operator's choice wins), and returns what undoes it
// (the benchmark runs a worker inside a process that does other things).
func TuneWorkerGC() (undo func()) {
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	old := debug.SetGCPercent(WorkerGCPercent)
	return func() { debug.SetGCPercent(old) }
}
