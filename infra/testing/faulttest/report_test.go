//go:build cluster

package faulttest

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zufang/rental/infra/system"
)

// report is what a fault test measured; it is logged and written to
// <test run dir>/fault-report/<fault>.json (docs/RELIABILITY.md quotes it).
type report struct {
	Fault     string    `json:"fault"`
	Reproduce string    `json:"reproduce"`
	KilledAt  time.Time `json:"killed_at"`
	// Whole is the traffic of the whole run; AfterKill from the kill to the end.
	Whole     traffic `json:"whole_run"`
	AfterKill traffic `json:"after_kill"`
	// Recovery holds named durations in seconds from the kill (fault-specific).
	Recovery map[string]float64 `json:"recovery_s"`
	// Measured holds fault-specific counts (events at risk, pending claimed, ...).
	Measured map[string]any `json:"measured"`
	// AcknowledgedListings: listings whose every acknowledged command was
	// checked in MySQL; Lost lists every discrepancy (goal: none).
	AcknowledgedListings int      `json:"acknowledged_listings"`
	Lost                 []string `json:"lost"`
	// Differences between the read models and MySQL at the end (goal: 0),
	// and how long after the load stopped they converged.
	Checked     map[string]int `json:"checked"`
	Differences int            `json:"differences"`
	ConvergedS  float64        `json:"converged_after_load_s"`
	// HAProxyTrouble are the HTTP front's log lines of the run that did not
	// end well, naming the api and HAProxy's termination state (SH--: the
	// server closed the connection before answering).
	HAProxyTrouble []string `json:"haproxy_trouble,omitempty"`
}

func newReport(fault, test string) *report {
	return &report{Fault: fault, Reproduce: "make test-cluster FAULT=" + test,
		Recovery: map[string]float64{}, Measured: map[string]any{}}
}

func (r *report) since(name string, at time.Time) {
	if !at.IsZero() {
		r.Recovery[name] = at.Sub(r.KilledAt).Seconds()
	}
}

// settle takes the traffic of the run that ended at end, checks every
// acknowledged command in MySQL and waits for the read models to converge.
func (r *report) settle(ctx context.Context, t *testing.T, l *load, b *system.Base, end time.Time) {
	t.Helper()
	r.Whole, r.AfterKill = l.traffic(l.start, end), l.traffic(r.KilledAt, end)
	r.AcknowledgedListings, r.Lost = l.verifyAcknowledged(ctx, b.Pools.Writer)
	if n := r.Whole.AcknowledgedNotFound; n > 0 {
		t.Errorf("%d reads of an acknowledged listing by its landlord answered 404", n)
	}
	res, took := converge(t, b)
	r.Checked, r.Differences, r.ConvergedS = res.Checked, len(res.Differences), took.Seconds()
}

func (r *report) write(t *testing.T, l *load) {
	t.Helper()
	r.HAProxyTrouble = haproxyTrouble(l.start)
	raw, _ := json.MarshalIndent(r, "", "  ")
	t.Logf("fault report:\n%s", raw)
	dir := filepath.Join(runDir, "fault-report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("writing the report: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, r.Fault+".json"), append(raw, '\n'), 0o644); err != nil {
		t.Errorf("writing the report: %v", err)
	}
}

// outboxSample is the outbox at one moment.
type outboxSample struct {
	At     time.Time
	Rows   int64
	Oldest float64 // seconds
}

// outboxWatch samples the outbox every 100 ms until stopped.
type outboxWatch struct {
	mu      sync.Mutex
	samples []outboxSample
	stop    chan struct{}
	done    chan struct{}
}

func watchOutbox(db *sql.DB) *outboxWatch {
	w := &outboxWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		for {
			var s outboxSample
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			err := db.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(TIMESTAMPDIFF(MICROSECOND, MIN(created_at), UTC_TIMESTAMP(6)), 0) / 1e6
				FROM outbox`).Scan(&s.Rows, &s.Oldest)
			cancel()
			if err == nil {
				s.At = time.Now()
				w.mu.Lock()
				w.samples = append(w.samples, s)
				w.mu.Unlock()
			}
			select {
			case <-w.stop:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	return w
}

func (w *outboxWatch) halt() {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	<-w.done
}

// drainedAfter returns the first moment after at from which no outbox row
// was older than age again (zero if that never happened), and the largest
// backlog seen after at.
func (w *outboxWatch) drainedAfter(at time.Time, age float64) (time.Time, int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var drained time.Time
	var most int64
	for _, s := range w.samples {
		if s.At.Before(at) {
			continue
		}
		most = max(most, s.Rows)
		if s.Oldest > age {
			drained = time.Time{}
		} else if drained.IsZero() {
			drained = s.At
		}
	}
	return drained, most
}

// haproxyTrouble returns the HTTP front's log lines since at that did not end
// well: a 5xx, or a session HAProxy did not close normally (its termination
// state is not "----"), from HAProxy's in-memory "traffic" ring.
func haproxyTrouble(at time.Time) []string {
	conn, err := net.Dial("unix", filepath.Join(runDir, "haproxy.sock"))
	if err != nil {
		return []string{"reading the HAProxy log: " + err.Error()}
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write([]byte("show events traffic\n")); err != nil {
		return []string{"reading the HAProxy log: " + err.Error()}
	}
	raw, _ := io.ReadAll(conn)
	var out []string
	for _, line := range strings.Split(string(raw), "\n") {
		m := haproxyLine.FindStringSubmatch(line)
		if m == nil || !strings.HasPrefix(m[2], "5") && m[3] == "----" {
			continue
		}
		if strings.Contains(line, "<BADREQ>") && m[3] == "CR--" {
			continue // a client closed a spare connection without using it
		}
		when, err := time.ParseInLocation("02/Jan/2006:15:04:05.000", m[1], time.Local)
		if err == nil && when.Before(at.Add(-time.Second)) {
			continue
		}
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

// haproxyLine matches an httplog line: accept date, status, termination state.
var haproxyLine = regexp.MustCompile(`\[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] \S+ \S+ [-0-9/]+ (-?\d+) \S+ \S+ \S+ (\S{4}) `)
