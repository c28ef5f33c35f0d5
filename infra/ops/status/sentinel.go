package status

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/redis"
)

// Redis is the Redis topology: the master as the Sentinels name it, each
// Sentinel's view, and each replica's link and replication lag.
type Redis struct {
	Mode         string         `json:"mode"` // sentinel | single
	MasterName   string         `json:"master_name,omitempty"`
	Master       string         `json:"master,omitempty"`
	Role         string         `json:"role,omitempty"` // the master's own INFO role (must be master)
	MasterOffset int64          `json:"master_offset"`
	Sentinels    []SentinelView `json:"sentinels,omitempty"`
	Replicas     []Replica      `json:"replicas"`
	Error        string         `json:"error,omitempty"`
}

// SentinelView is what one Sentinel says about the master.
type SentinelView struct {
	Addr           string `json:"addr"`
	Master         string `json:"master,omitempty"` // the address it names
	Flags          string `json:"flags,omitempty"`  // the master's flags: master, s_down, o_down, ...
	OtherSentinels int    `json:"other_sentinels"`
	Quorum         int    `json:"quorum"`
	Error          string `json:"error,omitempty"`
}

// Replica is one replica of the master.
type Replica struct {
	Addr  string `json:"addr"`
	Flags string `json:"flags,omitempty"` // Sentinel's: slave, s_down, disconnected, ...
	Link  string `json:"link,omitempty"`  // Sentinel's master-link-status: ok | err
	State string `json:"state,omitempty"` // the master's INFO: online, wait_bgsave, send_bulk
	// Connected: the master lists it among its replicas (INFO replication).
	Connected bool `json:"connected"`
	// Offset is the replication offset the replica acknowledged; LagBytes how
	// far it is behind the master; LagSeconds the time since its last ack.
	Offset     int64 `json:"offset"`
	LagBytes   int64 `json:"lag_bytes"`
	LagSeconds int64 `json:"lag_seconds"`
}

// MaxReplicaLag is how long a replica may go without acknowledging before
// the screen calls it a problem (replicas acknowledge every second).
const MaxReplicaLag = 5

func (r Redis) problems() []string {
	var out []string
	if r.Error != "" {
		out = append(out, "redis: "+r.Error)
	}
	named := map[string]int{}
	for _, s := range r.Sentinels {
		if s.Error != "" {
			out = append(out, fmt.Sprintf("sentinel %s: unreachable: %s", s.Addr, s.Error))
			continue
		}
		named[s.Master]++
		if strings.Contains(s.Flags, "down") {
			out = append(out, fmt.Sprintf("sentinel %s: master %s is %s", s.Addr, s.Master, s.Flags))
		}
	}
	if len(named) > 1 {
		out = append(out, fmt.Sprintf("sentinels disagree on the master: %v", named))
	}
	if r.Master != "" && r.Role != "" && r.Role != "master" {
		out = append(out, fmt.Sprintf("redis %s: named master but its role is %s", r.Master, r.Role))
	}
	if r.Error == "" && r.Mode == "sentinel" && len(r.Replicas) == 0 {
		out = append(out, "redis: the master has no replica (a master failure would lose data and stop writes)")
	}
	for _, rep := range r.Replicas {
		switch {
		case strings.Contains(rep.Flags, "down") || strings.Contains(rep.Flags, "disconnected"):
			out = append(out, fmt.Sprintf("redis replica %s: %s", rep.Addr, rep.Flags))
		case r.Role == "master" && !rep.Connected:
			out = append(out, fmt.Sprintf("redis replica %s: not connected to the master", rep.Addr))
		case rep.Link != "" && rep.Link != "ok":
			out = append(out, fmt.Sprintf("redis replica %s: link to master %s", rep.Addr, rep.Link))
		case rep.State != "" && rep.State != "online":
			out = append(out, fmt.Sprintf("redis replica %s: %s", rep.Addr, rep.State))
		case rep.LagSeconds > MaxReplicaLag:
			out = append(out, fmt.Sprintf("redis replica %s: last ack %ds ago", rep.Addr, rep.LagSeconds))
		}
	}
	return out
}

func readRedis(ctx context.Context, cfg redis.Config) Redis {
	if len(cfg.Sentinels) == 0 {
		r := Redis{Mode: "single", Master: cfg.Addr}
		if err := r.readMaster(ctx, cfg.Addr, cfg.Password); err != nil {
			r.Error = err.Error()
		}
		return r
	}
	r := Redis{Mode: "sentinel", MasterName: cfg.MasterName, Sentinels: make([]SentinelView, len(cfg.Sentinels))}
	replicas := make([][]map[string]string, len(cfg.Sentinels))
	var wg sync.WaitGroup
	for i, addr := range cfg.Sentinels {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.Sentinels[i], replicas[i] = readSentinel(ctx, addr, cfg.MasterName)
		}()
	}
	wg.Wait()
	// The master is what most Sentinels name; its replicas as the first of those sees them.
	votes := map[string]int{}
	for _, s := range r.Sentinels {
		if s.Master != "" {
			votes[s.Master]++
			if votes[s.Master] > votes[r.Master] {
				r.Master = s.Master
			}
		}
	}
	if r.Master == "" {
		r.Error = "no Sentinel names a master " + cfg.MasterName
		return r
	}
	for i, s := range r.Sentinels {
		if s.Master == r.Master {
			for _, m := range replicas[i] {
				r.Replicas = append(r.Replicas, Replica{Addr: net.JoinHostPort(m["ip"], m["port"]), Flags: m["flags"],
					Link: m["master-link-status"], Offset: atoi64(m["slave-repl-offset"])})
			}
			break
		}
	}
	if err := r.readMaster(ctx, r.Master, cfg.Password); err != nil {
		r.Error = err.Error()
	}
	return r
}

func readSentinel(ctx context.Context, addr, name string) (SentinelView, []map[string]string) {
	v := SentinelView{Addr: addr}
	c := goredis.NewSentinelClient(&goredis.Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
		MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	m, err := c.Master(ctx, name).Result()
	if err != nil {
		v.Error = err.Error()
		return v, nil
	}
	v.Master = net.JoinHostPort(m["ip"], m["port"])
	v.Flags = m["flags"]
	v.OtherSentinels, _ = strconv.Atoi(m["num-other-sentinels"])
	v.Quorum, _ = strconv.Atoi(m["quorum"])
	replicas, err := c.Replicas(ctx, name).Result()
	if err != nil {
		v.Error = "listing replicas: " + err.Error()
	}
	return v, replicas
}

// readMaster reads the master's INFO replication: its role, its offset and
// each connected replica's acknowledged offset and lag, merged into r.Replicas.
func (r *Redis) readMaster(ctx context.Context, addr, password string) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr, Password: password, DialTimeout: time.Second,
		ReadTimeout: 2 * time.Second, MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	info, err := c.Info(ctx, "replication").Result()
	if err != nil {
		return fmt.Errorf("reading INFO replication of %s: %w", addr, err)
	}
	byAddr := map[string]int{}
	for i, rep := range r.Replicas {
		byAddr[rep.Addr] = i
	}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		switch {
		case k == "role":
			r.Role = v
		case k == "master_repl_offset":
			r.MasterOffset = atoi64(v)
		case strings.HasPrefix(k, "slave") && strings.Contains(v, "ip="):
			f := fields(v) // ip=127.0.0.1,port=6381,state=online,offset=123,lag=0
			a := net.JoinHostPort(f["ip"], f["port"])
			i, known := byAddr[a]
			if !known {
				i = len(r.Replicas)
				byAddr[a] = i
				r.Replicas = append(r.Replicas, Replica{Addr: a})
			}
			rep := &r.Replicas[i]
			rep.State, rep.Offset, rep.LagSeconds, rep.Connected = f["state"], atoi64(f["offset"]), atoi64(f["lag"]), true
		}
	}
	for i := range r.Replicas {
		if rep := &r.Replicas[i]; rep.Offset > 0 && r.MasterOffset >= rep.Offset {
			rep.LagBytes = r.MasterOffset - rep.Offset
		}
	}
	sort.Slice(r.Replicas, func(i, j int) bool { return r.Replicas[i].Addr < r.Replicas[j].Addr })
	return nil
}

func fields(s string) map[string]string {
	out := map[string]string{}
	for _, kv := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			out[k] = v
		}
	}
	return out
}

func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}
