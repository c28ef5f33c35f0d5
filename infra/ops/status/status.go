// Package status collects one screen about the whole topology: each MySQL
// node's cluster membership (Galera or Group Replication), the proxy's view
// of its backends (HAProxy or ProxySQL), the Sentinel master and replicas,
// the event streams and their consumer group, and the outbox backlog.
//
// Every source is read concurrently with its own timeout. A source that
// cannot be read is reported in its section (and as a problem), never fatal:
// the screen is most needed when something is down.
package status

import (
	"context"
	"sync"
	"time"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/redis"
)

// Config names the sources. Empty ones are left out of the report.
type Config struct {
	MySQLNodes       []string // each node: "host:port" (WriterDSN's credentials) or a full DSN
	WriterDSN        string   // the outbox is read here
	HAProxyStatsURL  string   // HAProxy's CSV stats page
	ProxySQLAdminDSN string   // ProxySQL's admin interface
	Redis            redis.Config
	Prefix           string        // Redis key prefix of the streams
	Timeout          time.Duration // per source (default 3 s)
}

// ConfigOf names the sources `rentalctl status` and the operator page read,
// from the platform's configuration.
func ConfigOf(cfg config.Config) Config {
	return Config{
		MySQLNodes: cfg.MySQLNodes, WriterDSN: cfg.MySQLDSN,
		HAProxyStatsURL: cfg.HAProxyStatsURL, ProxySQLAdminDSN: cfg.ProxySQLAdminDSN,
		Redis: cfg.Redis, Prefix: cfg.Prefix,
	}
}

// Report is the status screen.
type Report struct {
	At       time.Time `json:"at"`
	MySQL    []Node    `json:"mysql_nodes"`
	HAProxy  *HAProxy  `json:"haproxy,omitempty"`
	ProxySQL *ProxySQL `json:"proxysql,omitempty"`
	Redis    Redis     `json:"redis"`
	Streams  Streams   `json:"streams"`
	Outbox   *Outbox   `json:"outbox,omitempty"`
	// Problems lists what needs an operator, one line each; empty = healthy.
	Problems []string `json:"problems"`
}

// Healthy reports whether no problem was found.
func (r Report) Healthy() bool { return len(r.Problems) == 0 }

// Collect reads every configured source.
func Collect(ctx context.Context, cfg Config) Report {
	if cfg.Timeout == 0 {
		cfg.Timeout = 3 * time.Second
	}
	r := Report{At: time.Now().UTC(), MySQL: make([]Node, len(cfg.MySQLNodes))}
	var wg sync.WaitGroup
	run := func(fn func(ctx context.Context)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cancel := context.WithTimeout(ctx, cfg.Timeout)
			defer cancel()
			fn(c)
		}()
	}
	for i, node := range cfg.MySQLNodes {
		run(func(ctx context.Context) { r.MySQL[i] = readNode(ctx, node, cfg.WriterDSN) })
	}
	if cfg.HAProxyStatsURL != "" {
		r.HAProxy = &HAProxy{}
		run(func(ctx context.Context) { *r.HAProxy = readHAProxy(ctx, cfg.HAProxyStatsURL) })
	}
	if cfg.ProxySQLAdminDSN != "" {
		r.ProxySQL = &ProxySQL{}
		run(func(ctx context.Context) { *r.ProxySQL = readProxySQL(ctx, cfg.ProxySQLAdminDSN) })
	}
	if cfg.Redis.Addr != "" || len(cfg.Redis.Sentinels) > 0 {
		run(func(ctx context.Context) { r.Redis = readRedis(ctx, cfg.Redis) })
		run(func(ctx context.Context) { r.Streams = readStreams(ctx, cfg.Redis, cfg.Prefix) })
	}
	if cfg.WriterDSN != "" {
		r.Outbox = &Outbox{}
		run(func(ctx context.Context) { *r.Outbox = readOutbox(ctx, cfg.WriterDSN) })
	}
	wg.Wait()
	r.Problems = problems(r)
	return r
}

// problems gathers what each section found wrong, in screen order.
func problems(r Report) []string {
	out := []string{}
	for _, n := range r.MySQL {
		out = append(out, n.problems()...)
	}
	if r.HAProxy != nil {
		out = append(out, r.HAProxy.problems()...)
	}
	if r.ProxySQL != nil {
		out = append(out, r.ProxySQL.problems()...)
	}
	out = append(out, r.Redis.problems()...)
	out = append(out, r.Streams.problems()...)
	if r.Outbox != nil {
		out = append(out, r.Outbox.problems()...)
	}
	return out
}

// errString is the message of err, or "" for nil.
func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
