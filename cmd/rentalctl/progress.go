package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progress reports a long job's progress on stderr: a bar with the count, the
// rate and the time left on a terminal, plain lines every few seconds
// otherwise (logs, CI). It returns the callback and a function that ends the
// report.
func progress(what, unit string) (report func(done, total int64), finish func()) {
	if f, ok := any(os.Stderr).(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return progressBar(os.Stderr, what, unit)
	}
	return progressLines(os.Stderr, what, unit)
}

func progressBar(w io.Writer, what, unit string) (func(done, total int64), func()) {
	var bar *progressbar.ProgressBar
	report := func(done, total int64) {
		if bar == nil {
			bar = progressbar.NewOptions64(max(total, 1), progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
				progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString(unit),
				progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetWidth(30))
		}
		if done > bar.GetMax64() { // rows committed since the count
			bar.ChangeMax64(done)
		}
		_ = bar.Set64(done)
	}
	return report, func() {
		if bar != nil {
			_ = bar.Finish()
			fmt.Fprintln(w)
		}
	}
}

func progressLines(w io.Writer, what, unit string) (func(done, total int64), func()) {
	start := time.Now()
	var last time.Time
	var done, total int64
	line := func() {
		took := time.Since(start).Seconds()
		rate := float64(done) / max(took, 1e-3)
		eta := "?"
		if rate > 0 && total >= done {
			eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(w, "%s: %d/%d %s (%.0f%%), %.0f %s/s, ETA %s\n", what, done, total, unit,
			100*float64(done)/float64(max(total, 1)), rate, unit, eta)
	}
	return func(d, t int64) {
			done, total = d, max(t, d)
			if time.Since(last) >= 2*time.Second {
				last = time.Now()
				line()
			}
		}, func() {
			if total > 0 {
				line()
			}
		}
}
