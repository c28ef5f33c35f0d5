package status

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// ProxySQL is ProxySQL's view of its backends, from its admin interface:
// runtime_mysql_servers (what is in force) and stats_mysql_connection_pool.
type ProxySQL struct {
	Servers []ProxySQLServer `json:"servers,omitempty"`
	Error   string           `json:"error,omitempty"`
}

// ProxySQLServer is one backend in one hostgroup.
type ProxySQLServer struct {
	Hostgroup int    `json:"hostgroup"`
	Addr      string `json:"addr"`
	Status    string `json:"status"` // ONLINE, SHUNNED, OFFLINE_SOFT, OFFLINE_HARD
	Weight    int64  `json:"weight"`
	ConnUsed  int64  `json:"conn_used"`
	ConnFree  int64  `json:"conn_free"`
	ConnErr   int64  `json:"conn_err"`
	Queries   int64  `json:"queries"`
	LatencyUs int64  `json:"latency_us"`
}

func (p ProxySQL) problems() []string {
	if p.Error != "" {
		return []string{"proxysql: admin unreadable: " + p.Error}
	}
	var out []string
	online := map[int]int{}
	for _, s := range p.Servers {
		if s.Status == "ONLINE" {
			online[s.Hostgroup]++
		} else if _, seen := online[s.Hostgroup]; !seen {
			online[s.Hostgroup] = 0
		}
		if s.Status != "ONLINE" {
			out = append(out, fmt.Sprintf("proxysql hostgroup %d %s: %s", s.Hostgroup, s.Addr, s.Status))
		}
	}
	for hg, n := range online {
		if n == 0 {
			out = append(out, fmt.Sprintf("proxysql hostgroup %d: no ONLINE server", hg))
		}
	}
	return out
}

func readProxySQL(ctx context.Context, dsn string) ProxySQL {
	var p ProxySQL
	servers, err := fetchProxySQL(ctx, dsn)
	if err != nil {
		p.Error = err.Error()
	}
	p.Servers = servers
	return p
}

func fetchProxySQL(ctx context.Context, dsn string) ([]ProxySQLServer, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing RENTAL_PROXYSQL_ADMIN_DSN: %w", err)
	}
	// The admin interface speaks the text protocol only: no prepared statements.
	cfg.InterpolateParams = true
	db, err := openOne(cfg)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT hostgroup_id, hostname, port, status, weight
		FROM runtime_mysql_servers ORDER BY hostgroup_id, hostname, port`)
	if err != nil {
		return nil, fmt.Errorf("reading runtime_mysql_servers: %w", err)
	}
	var out []ProxySQLServer
	index := map[string]int{}
	for rows.Next() {
		var s ProxySQLServer
		var host string
		var port int
		if err := rows.Scan(&s.Hostgroup, &host, &port, &s.Status, &s.Weight); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reading runtime_mysql_servers: %w", err)
		}
		s.Addr = fmt.Sprintf("%s:%d", host, port)
		index[fmt.Sprint(s.Hostgroup, s.Addr)] = len(out)
		out = append(out, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading runtime_mysql_servers: %w", err)
	}
	rows, err = db.QueryContext(ctx, `SELECT hostgroup, srv_host, srv_port, ConnUsed, ConnFree, ConnERR, Queries, Latency_us
		FROM stats_mysql_connection_pool`)
	if err != nil {
		return out, fmt.Errorf("reading stats_mysql_connection_pool: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var hg, port int
		var host string
		var used, free, cerr, queries, latency sql.NullInt64
		if err := rows.Scan(&hg, &host, &port, &used, &free, &cerr, &queries, &latency); err != nil {
			return out, fmt.Errorf("reading stats_mysql_connection_pool: %w", err)
		}
		if i, ok := index[fmt.Sprint(hg, fmt.Sprintf("%s:%d", host, port))]; ok {
			s := &out[i]
			s.ConnUsed, s.ConnFree, s.ConnErr, s.Queries, s.LatencyUs = used.Int64, free.Int64, cerr.Int64, queries.Int64, latency.Int64
		}
	}
	return out, rows.Err()
}
