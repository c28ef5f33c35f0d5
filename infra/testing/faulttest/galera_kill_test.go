//go:build cluster

package faulttest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/testing/testenv"
)

// TestGaleraWriterKilled kills galera1, the node HAProxy sends writes to,
// with SIGKILL under load. HAProxy moves writes to galera2; commands retry on
// the lost connection and succeed; every acknowledged command is in MySQL
// exactly once and in the read models. galera1 then rejoins (IST) and takes
// the writes back.
func TestGaleraWriterKilled(t *testing.T) {
	waitHealthy(t)
	b := open(t)
	ctx := context.Background()
	rep := newReport("galera-writer-killed", "TestGaleraWriterKilled")
	l := startLoad(t, steady)
	time.Sleep(5 * time.Second)

	rep.KilledAt = kill9(t, "galera1")
	l.ackAfter(t, rep.KilledAt, 60*time.Second)
	rep.since("first_command_acknowledged", l.firstCommandAckAfter(rep.KilledAt))

	// The status screen sees the dead node and the writer on a backup.
	var degraded string
	testenv.Eventually(t, 30*time.Second, func() string {
		r := ops.Status(ctx, cfg(t), testenv.Logger())
		if r.Healthy() || r.MySQL[0].Error == "" || r.HAProxy == nil {
			return "status does not show galera1 down yet"
		}
		for _, bk := range r.HAProxy.Backends {
			if bk.Name == "galera_writer" {
				for _, s := range bk.Servers {
					if s.Serving {
						degraded = fmt.Sprintf("writer on %s; %d problems: %v", s.Name, len(r.Problems), r.Problems)
						return ""
					}
				}
			}
		}
		return "no writer serving"
	})
	rep.Measured["status_while_down"] = degraded
	t.Logf("status while galera1 is down: %s", degraded)
	rep.since("status_saw_failover", time.Now())

	time.Sleep(5 * time.Second)
	rejoin := time.Now()
	startNode(t, "galera1", rep)
	time.Sleep(5 * time.Second)
	l.halt()
	end := time.Now()

	rejoinTraffic := l.traffic(rejoin, end)
	rep.Measured["command_errors_during_rejoin"] = rejoinTraffic.CommandErrors
	rep.Measured["max_command_ms_during_rejoin"] = rejoinTraffic.MaxCommandMs
	rep.settle(ctx, t, l, b, end)
	waitHealthy(t)
	rep.write(t, l)
	if rep.Whole.QueryErrors != 0 {
		t.Errorf("queries must not fail when a MySQL node dies: %+v", rep.Whole)
	}
	if len(rep.Lost) > 0 {
		t.Errorf("acknowledged commands not in MySQL exactly once: %v", rep.Lost)
	}
}
