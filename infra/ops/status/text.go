package status

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Write prints the report as one screen of aligned text.
func Write(out io.Writer, r Report) error {
	w := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	verdict := "healthy"
	if n := len(r.Problems); n > 0 {
		verdict = fmt.Sprintf("%d problem(s)", n)
	}
	fmt.Fprintf(w, "rental status at %s: %s\n", r.At.Format("2006-01-02 15:04:05 MST"), verdict)

	if len(r.MySQL) > 0 {
		fmt.Fprintln(w, "\nMySQL nodes\taddr\tname\tstate\tcomponent\tsize\tdetail")
		for _, n := range r.MySQL {
			if n.Error != "" {
				fmt.Fprintf(w, "  %s\t%s\t\tUNREACHABLE\t\t\t%s\n", n.Kind, n.Addr, n.Error)
				continue
			}
			detail := ""
			switch n.Kind {
			case "galera":
				detail = fmt.Sprintf("recv_queue %d, flow_control %.2f, last_committed %d", n.RecvQueue, n.FlowControlPaused, n.LastCommitted)
			case "group-replication":
				var ms []string
				for _, m := range n.Members {
					ms = append(ms, m.Addr+" "+m.State+" "+m.Role)
				}
				detail = "members: " + strings.Join(ms, ", ")
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\t%s\t%s\t%d\t%s\n", n.Kind, n.Addr, n.Name, n.State, n.Component, n.Size, detail)
		}
	}

	if h := r.HAProxy; h != nil {
		fmt.Fprintf(w, "\nHAProxy backends\t%s\n", h.URL)
		if h.Error != "" {
			fmt.Fprintf(w, "  UNREADABLE\t%s\n", h.Error)
		}
		for _, b := range h.Backends {
			var ss []string
			for _, s := range b.Servers {
				mark := ""
				if s.Serving {
					mark = "*"
				}
				role := ""
				if s.Backup {
					role = " backup"
				}
				ss = append(ss, fmt.Sprintf("%s %s%s%s (%d sess)", s.Name, s.Status, mark, role, s.Sessions))
			}
			fmt.Fprintf(w, "  %s\t%s\t%s\n", b.Name, b.Status, strings.Join(ss, "  "))
		}
		fmt.Fprintln(w, "  (* = takes new connections)")
	}

	if p := r.ProxySQL; p != nil {
		fmt.Fprintln(w, "\nProxySQL servers\thostgroup\tstatus\tused/free\terrors\tqueries\tlatency")
		if p.Error != "" {
			fmt.Fprintf(w, "  UNREADABLE\t%s\n", p.Error)
		}
		for _, s := range p.Servers {
			fmt.Fprintf(w, "  %s\t%d\t%s\t%d/%d\t%d\t%d\t%dus\n", s.Addr, s.Hostgroup, s.Status, s.ConnUsed, s.ConnFree, s.ConnErr, s.Queries, s.LatencyUs)
		}
	}

	rd := r.Redis
	if rd.Mode != "" {
		title := "one server"
		if rd.Mode == "sentinel" {
			title = "Sentinel, master name " + rd.MasterName
		}
		fmt.Fprintf(w, "\nRedis (%s)\n", title)
		if rd.Error != "" {
			fmt.Fprintf(w, "  ERROR\t%s\n", rd.Error)
		}
		if rd.Master != "" {
			fmt.Fprintf(w, "  master\t%s\trole %s\toffset %d\n", rd.Master, rd.Role, rd.MasterOffset)
		}
		for _, rep := range rd.Replicas {
			fmt.Fprintf(w, "  replica\t%s\t%s link %s %s\tbehind %d B, last ack %ds ago\n",
				rep.Addr, orDash(rep.Flags), orDash(rep.Link), orDash(rep.State), rep.LagBytes, rep.LagSeconds)
		}
		for _, s := range rd.Sentinels {
			if s.Error != "" {
				fmt.Fprintf(w, "  sentinel\t%s\tUNREACHABLE\t%s\n", s.Addr, s.Error)
				continue
			}
			fmt.Fprintf(w, "  sentinel\t%s\tnames %s (%s)\tquorum %d, sees %d other sentinels\n", s.Addr, s.Master, s.Flags, s.Quorum, s.OtherSentinels)
		}
	}

	if st := r.Streams; len(st.Streams) > 0 || st.Error != "" {
		fmt.Fprintln(w, "\nStreams\tlength\tgroup\tpending\tundelivered\tconsumers")
		if st.Error != "" {
			fmt.Fprintf(w, "  ERROR\t%s\n", st.Error)
		}
		for _, s := range st.Streams {
			if len(s.Groups) == 0 {
				fmt.Fprintf(w, "  %s\t%d\t-\t\t\t\n", s.Name, s.Length)
			}
			for _, g := range s.Groups {
				idle := g.Idle()
				undelivered := fmt.Sprint(g.Undelivered)
				if g.More {
					undelivered = "> " + undelivered
				}
				fmt.Fprintf(w, "  %s\t%d\t%s\t%d\t%s\t%d, %d idle > %s\n", s.Name, s.Length, g.Name, g.Pending, undelivered,
					len(g.Consumers), len(idle), IdleConsumer)
				for _, c := range g.Consumers {
					if c.Pending > 0 {
						fmt.Fprintf(w, "    consumer %s\t\t\t%d\t\tidle %.1fs\n", c.Name, c.Pending, float64(c.IdleMs)/1000)
					}
				}
			}
		}
		fmt.Fprintf(w, "  dead letters\t%d\t(%s)\n", st.DeadLetters, st.DeadStream)
	}

	if o := r.Outbox; o != nil {
		fmt.Fprintln(w, "\nOutbox")
		if o.Error != "" {
			fmt.Fprintf(w, "  ERROR\t%s\n", o.Error)
		} else {
			fmt.Fprintf(w, "  %d rows\toldest %.1fs\n", o.Rows, o.OldestSeconds)
		}
	}

	if len(r.Problems) > 0 {
		fmt.Fprintln(w, "\nProblems")
		for _, p := range r.Problems {
			fmt.Fprintf(w, "  - %s\n", p)
		}
	}
	return w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
