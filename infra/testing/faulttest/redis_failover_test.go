//go:build cluster

package faulttest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/testing/testenv"
)

var redisNodes = map[string]string{addr(6380): "redis1", addr(6381): "redis2"}

// TestRedisMasterKilled kills the Redis master with SIGKILL under load.
// Sentinel promotes the replica; queries must keep answering and commands
// keep succeeding with zero errors; the old master rejoins as a replica; the
// read models converge. The events at risk (accepted by the old master but
// not on the replica when it died) are measured from the dead master's
// append-only file, and each must reach the new master through the outbox.
func TestRedisMasterKilled(t *testing.T) {
	before := waitHealthy(t)
	b := open(t)
	ctx := context.Background()
	oldAddr := before.Redis.Master
	oldNode, newNode := redisNodes[oldAddr], ""
	for addr, n := range redisNodes {
		if addr != oldAddr {
			newNode = n
		}
	}
	if oldNode == "" || newNode == "" {
		t.Fatalf("unexpected master %q", oldAddr)
	}
	rep := newReport("redis-master-killed", "TestRedisMasterKilled")
	rep.Measured["old_master"], rep.Measured["new_master"] = oldNode, newNode

	l := startLoad(t, steady)
	watch := watchOutbox(b.Pools.Writer)
	defer watch.halt()
	time.Sleep(5 * time.Second)

	rep.KilledAt = kill9(t, oldNode)
	var unconfirmed int64
	if err := b.Pools.Writer.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox`).Scan(&unconfirmed); err != nil {
		t.Fatal(err)
	}
	rep.Measured["outbox_rows_unconfirmed_at_kill"] = unconfirmed
	atRisk, accepted := eventsAtRisk(t, oldNode, newNode, rep.KilledAt)
	rep.Measured["events_accepted_by_old_master_last_60s"] = accepted
	rep.Measured["events_at_risk"] = len(atRisk)

	sentinel := goredis.NewSentinelClient(&goredis.Options{Addr: addr(26380)})
	defer sentinel.Close()
	var promoted time.Time
	testenv.Eventually(t, 30*time.Second, func() string {
		addr, err := sentinel.GetMasterAddrByName(ctx, "rental").Result()
		if err != nil || len(addr) != 2 || redisNodes[addr[0]+":"+addr[1]] != newNode {
			return fmt.Sprintf("sentinel names %v (%v)", addr, err)
		}
		promoted = time.Now()
		return ""
	})
	rep.since("sentinel_promoted_replica", promoted)
	l.ackAfter(t, promoted, 30*time.Second)
	rep.since("first_command_acknowledged", l.firstCommandAckAfter(rep.KilledAt))

	time.Sleep(5 * time.Second)
	startNode(t, oldNode, rep)
	time.Sleep(5 * time.Second)
	l.halt()
	end := time.Now()
	watch.halt()
	drained, most := watch.drainedAfter(rep.KilledAt, 1.0)
	rep.since("outbox_drained", drained)
	rep.Measured["outbox_most_rows_after_kill"] = most

	rep.settle(ctx, t, l, b, end)

	// Every event at risk is on the new master now (published again from outbox).
	if len(atRisk) > 0 {
		onNew := streamEventIDs(t, b.Redis.Master, rep.KilledAt.Add(-time.Minute))
		missing := 0
		for id := range atRisk {
			if !onNew[id] {
				missing++
			}
		}
		rep.Measured["events_at_risk_missing_after_recovery"] = missing
		if missing > 0 {
			t.Errorf("%d of %d events at risk never reached the new master", missing, len(atRisk))
		}
	}
	role := redisRole(t, oldNode)
	rep.Measured["old_master_role_after_rejoin"] = role
	after := waitHealthy(t)
	rep.Measured["status_after"] = fmt.Sprintf("master %s, replicas %d, problems %d", after.Redis.Master, len(after.Redis.Replicas), len(after.Problems))
	rep.write(t, l)

	if rep.Whole.QueryErrors != 0 || rep.Whole.CommandErrors != 0 {
		t.Errorf("queries and commands must not fail during a Redis failover: %+v", rep.Whole)
	}
	if len(rep.Lost) > 0 {
		t.Errorf("acknowledged commands not in MySQL: %v", rep.Lost)
	}
	if role != "slave" || after.Redis.Master == oldAddr {
		t.Errorf("the old master must rejoin as a replica of the new one: role %s, master %s", role, after.Redis.Master)
	}
}

// ackAfter waits until a command sent after at is acknowledged.
func (l *load) ackAfter(t *testing.T, at time.Time, wait time.Duration) {
	t.Helper()
	testenv.Eventually(t, wait, func() string {
		if l.firstCommandAckAfter(at).IsZero() {
			return "no command acknowledged since " + at.Format(time.RFC3339Nano)
		}
		return ""
	})
}

func redisClient(node string) *goredis.Client {
	p := map[string]int{"redis1": 6380, "redis2": 6381}[node]
	return goredis.NewClient(&goredis.Options{Addr: addr(p), Password: "rental", MaxRetries: -1})
}

func redisRole(t *testing.T, node string) string {
	t.Helper()
	c := redisClient(node)
	defer c.Close()
	info, err := c.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatalf("INFO on %s: %v", node, err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "role:"); ok {
			return v
		}
	}
	return ""
}

// eventsAtRisk compares the event-stream entries the dead master accepted
// in its last minute (its append-only file: Redis writes it before it
// answers, and a killed process leaves it intact in the page cache) with the
// replica's streams, read before the promotion. It returns the event ids the
// replica lacks, and how many entries the master accepted in that minute.
func eventsAtRisk(t *testing.T, deadNode, replicaNode string, killedAt time.Time) (map[string]bool, int) {
	t.Helper()
	since := killedAt.Add(-time.Minute).UnixMilli()
	entries, err := aofStreamEntries(filepath.Join(runDir, "data", deadNode), since)
	if err != nil {
		t.Fatalf("reading %s's append-only file: %v", deadNode, err)
	}
	replica := redisClient(replicaNode)
	defer replica.Close()
	ctx := context.Background()
	have := map[string]bool{}
	streams := map[string]bool{}
	for _, e := range entries {
		streams[e.stream] = true
	}
	for s := range streams {
		msgs, err := replica.XRange(ctx, s, strconv.FormatInt(since, 10), "+").Result()
		if err != nil {
			t.Fatalf("reading %s on %s: %v", s, replicaNode, err)
		}
		for _, m := range msgs {
			have[s+" "+m.ID] = true
		}
	}
	risk := map[string]bool{}
	for _, e := range entries {
		if !have[e.stream+" "+e.id] {
			risk[e.event] = true
		}
	}
	t.Logf("%s accepted %d event-stream entries in its last minute; %d were not on %s", deadNode, len(entries), len(risk), replicaNode)
	if len(entries) == 0 {
		t.Fatalf("no event-stream entry found in %s's append-only file: the measurement would prove nothing", deadNode)
	}
	return risk, len(entries)
}

type aofEntry struct{ stream, id, event string }

// aofStreamEntries parses the incremental append-only files of a Redis data
// directory for XADDs to the event streams at or after sinceMs.
func aofStreamEntries(dir string, sinceMs int64) ([]aofEntry, error) {
	files, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no incremental AOF in %s (%v)", dir, err)
	}
	var out []aofEntry
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		r := bufio.NewReader(fh)
		for {
			cmd, err := readRESPArray(r)
			if err != nil {
				fh.Close()
				if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
					break // a killed server may leave a partial last command
				}
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if len(cmd) < 5 || !strings.EqualFold(cmd[0], "XADD") || !strings.Contains(cmd[1], ":events:") ||
				strings.HasSuffix(cmd[1], ":dead") {
				continue
			}
			ms, _ := strconv.ParseInt(strings.SplitN(cmd[2], "-", 2)[0], 10, 64)
			if ms < sinceMs {
				continue
			}
			e := aofEntry{stream: cmd[1], id: cmd[2]}
			for i := 3; i+1 < len(cmd); i += 2 {
				if cmd[i] == "_watermill_message_uuid" {
					e.event = cmd[i+1]
				}
			}
			out = append(out, e)
		}
	}
	return out, nil
}

// readRESPArray reads one "*N\r\n$len\r\n...\r\n" command.
func readRESPArray(r *bufio.Reader) ([]string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(line, "*") {
		return nil, fmt.Errorf("unexpected AOF line %q", line)
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil {
		return nil, fmt.Errorf("bad AOF array header %q", line)
	}
	out := make([]string, n)
	for i := range n {
		head, err := r.ReadString('\n')
		if err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		size, err := strconv.Atoi(strings.TrimRight(head, "\r\n")[1:])
		if err != nil {
			return nil, fmt.Errorf("bad AOF bulk header %q", head)
		}
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, io.ErrUnexpectedEOF
		}
		out[i] = string(buf[:size])
	}
	return out, nil
}

// streamEventIDs returns the event ids in the event streams from since on.
func streamEventIDs(t *testing.T, c goredis.UniversalClient, since time.Time) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, agg := range events.Aggregates {
		msgs, err := c.XRange(context.Background(), events.Stream("rental:", agg), strconv.FormatInt(since.UnixMilli(), 10), "+").Result()
		if err != nil {
			t.Fatalf("reading stream %s: %v", agg, err)
		}
		for _, m := range msgs {
			if id, ok := m.Values["_watermill_message_uuid"].(string); ok {
				ids[id] = true
			}
		}
	}
	return ids
}
