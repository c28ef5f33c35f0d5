package status

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Node is one MySQL server as it sees its cluster.
type Node struct {
	Addr    string `json:"addr"`
	Kind    string `json:"kind,omitempty"` // galera | group-replication | standalone
	Name    string `json:"name,omitempty"` // Galera node name / GR member id
	Version string `json:"version,omitempty"`
	// State is the node's own state: Galera wsrep_local_state_comment (Synced,
	// Donor/Desynced, Joining, ...), GR MEMBER_STATE (ONLINE, RECOVERING, ...).
	State string `json:"state,omitempty"`
	// Component is Galera's wsrep_cluster_status (Primary = may take writes)
	// or the GR member role (PRIMARY, SECONDARY).
	Component string `json:"component,omitempty"`
	Size      int    `json:"size,omitempty"` // members in the view this node belongs to
	// Members is the view: Galera wsrep_incoming_addresses, GR's member list.
	Members []Member `json:"members,omitempty"`
	// Galera only: writesets waiting to be applied, share of time paused by
	// flow control since the last FLUSH STATUS, last committed seqno.
	RecvQueue         int64   `json:"recv_queue,omitempty"`
	FlowControlPaused float64 `json:"flow_control_paused,omitempty"`
	LastCommitted     int64   `json:"last_committed,omitempty"`
	Error             string  `json:"error,omitempty"`
}

// Member is one member of a node's view.
type Member struct {
	Addr  string `json:"addr"`
	State string `json:"state,omitempty"` // GR only
	Role  string `json:"role,omitempty"`  // GR only
}

// Healthy reports whether the node can take reads and writes.
func (n Node) Healthy() bool {
	switch n.Kind {
	case "galera":
		return n.State == "Synced" && n.Component == "Primary"
	case "group-replication":
		return n.State == "ONLINE"
	}
	return n.Error == "" && n.Kind != ""
}

func (n Node) problems() []string {
	switch {
	case n.Error != "":
		return []string{fmt.Sprintf("mysql %s: unreachable: %s", n.Addr, n.Error)}
	case !n.Healthy():
		return []string{fmt.Sprintf("mysql %s: %s %s %s (want Synced Primary / ONLINE)", n.Addr, n.Kind, n.State, n.Component)}
	}
	return nil
}

// nodeDSN turns a RENTAL_MYSQL_NODES entry into a DSN: a full DSN as is, a
// bare host:port with the writer's credentials; no database, short timeouts.
func nodeDSN(node, writerDSN string) (*mysql.Config, error) {
	var cfg *mysql.Config
	var err error
	if strings.ContainsAny(node, "@(/") {
		cfg, err = mysql.ParseDSN(node)
	} else {
		cfg, err = mysql.ParseDSN(writerDSN)
		if err == nil {
			cfg.Net, cfg.Addr = "tcp", node
		}
	}
	if err != nil {
		return nil, fmt.Errorf("parsing MySQL node %q: %w", node, err)
	}
	cfg.DBName, cfg.InterpolateParams = "", true
	cfg.Timeout, cfg.ReadTimeout, cfg.WriteTimeout = 2*time.Second, 3*time.Second, 3*time.Second
	return cfg, nil
}

func readNode(ctx context.Context, node, writerDSN string) Node {
	n := Node{Addr: node}
	cfg, err := nodeDSN(node, writerDSN)
	if err != nil {
		n.Error = err.Error()
		return n
	}
	n.Addr = cfg.Addr
	db, err := openOne(cfg)
	if err != nil {
		n.Error = err.Error()
		return n
	}
	defer db.Close()
	if err := n.read(ctx, db); err != nil {
		n.Error = err.Error()
	}
	return n
}

// openOne opens a one-connection pool with cfg.
func openOne(cfg *mysql.Config) (*sql.DB, error) {
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("configuring MySQL connection to %s: %w", cfg.Addr, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	return db, nil
}

func (n *Node) read(ctx context.Context, db *sql.DB) error {
	if err := db.QueryRowContext(ctx, `SELECT @@version`).Scan(&n.Version); err != nil {
		return fmt.Errorf("connecting: %w", err)
	}
	vars, err := globalStatus(ctx, db, "wsrep_provider_name", "wsrep_cluster_status", "wsrep_local_state_comment",
		"wsrep_cluster_size", "wsrep_incoming_addresses", "wsrep_local_recv_queue", "wsrep_flow_control_paused",
		"wsrep_last_committed")
	if err != nil {
		return err
	}
	if vars["wsrep_provider_name"] != "" {
		n.Kind = "galera"
		n.State, n.Component = vars["wsrep_local_state_comment"], vars["wsrep_cluster_status"]
		n.Size, _ = strconv.Atoi(vars["wsrep_cluster_size"])
		n.RecvQueue, _ = strconv.ParseInt(vars["wsrep_local_recv_queue"], 10, 64)
		n.FlowControlPaused, _ = strconv.ParseFloat(vars["wsrep_flow_control_paused"], 64)
		n.LastCommitted, _ = strconv.ParseInt(vars["wsrep_last_committed"], 10, 64)
		// The node name is a variable, not a status; readable by anyone.
		_ = db.QueryRowContext(ctx, `SELECT @@wsrep_node_name`).Scan(&n.Name)
		for _, a := range strings.Split(vars["wsrep_incoming_addresses"], ",") {
			if a = strings.TrimSpace(a); a != "" {
				n.Members = append(n.Members, Member{Addr: a})
			}
		}
		return nil
	}
	return n.readGroupReplication(ctx, db)
}

// readGroupReplication reads MySQL 8 Group Replication membership; a server
// without it (no such table, or no member) is standalone.
func (n *Node) readGroupReplication(ctx context.Context, db *sql.DB) error {
	rows, err := db.QueryContext(ctx, `SELECT MEMBER_ID, MEMBER_HOST, MEMBER_PORT, MEMBER_STATE, MEMBER_ROLE
		FROM performance_schema.replication_group_members`)
	if err != nil {
		var me *mysql.MySQLError
		if errors.As(err, &me) && (me.Number == 1146 || me.Number == 1049) { // no such table / schema
			n.Kind = "standalone"
			return nil
		}
		return fmt.Errorf("reading replication_group_members: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id, host, state, role sql.NullString
		var port sql.NullInt64
		if err := rows.Scan(&id, &host, &port, &state, &role); err != nil {
			return fmt.Errorf("reading replication_group_members: %w", err)
		}
		ids = append(ids, id.String)
		n.Members = append(n.Members, Member{Addr: fmt.Sprintf("%s:%d", host.String, port.Int64), State: state.String, Role: role.String})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading replication_group_members: %w", err)
	}
	if len(ids) == 0 { // MySQL 8 without the plugin: the table is empty
		n.Kind, n.Members = "standalone", nil
		return nil
	}
	var self string
	if err := db.QueryRowContext(ctx, `SELECT @@server_uuid`).Scan(&self); err != nil {
		return fmt.Errorf("reading server_uuid: %w", err)
	}
	n.Kind, n.State = "group-replication", "OFFLINE"
	for i, id := range ids {
		if id == self || len(ids) == 1 {
			n.Name, n.State, n.Component = id, n.Members[i].State, n.Members[i].Role
		}
	}
	// An OFFLINE member lists only itself; the others are its view of the group.
	for _, m := range n.Members {
		if m.State == "ONLINE" || m.State == "RECOVERING" {
			n.Size++
		}
	}
	return nil
}

// globalStatus reads some status variables (they need no privilege).
func globalStatus(ctx context.Context, db *sql.DB, names ...string) (map[string]string, error) {
	args := make([]any, len(names))
	for i, name := range names {
		args[i] = name
	}
	rows, err := db.QueryContext(ctx, `SHOW GLOBAL STATUS WHERE Variable_name IN (?`+strings.Repeat(",?", len(names)-1)+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading status variables: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("reading status variables: %w", err)
		}
		out[strings.ToLower(k)] = v
	}
	return out, rows.Err()
}
