package status

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// HAProxy is HAProxy's view of its backends, from its CSV stats page.
type HAProxy struct {
	URL      string           `json:"url"`
	Backends []HAProxyBackend `json:"backends,omitempty"`
	Error    string           `json:"error,omitempty"`
}

// HAProxyBackend is one backend and its servers.
type HAProxyBackend struct {
	Name    string          `json:"name"`
	Status  string          `json:"status"` // UP when at least one server is UP
	Servers []HAProxyServer `json:"servers"`
}

// HAProxyServer is one server of a backend.
type HAProxyServer struct {
	Name   string `json:"name"`
	Addr   string `json:"addr,omitempty"`
	Status string `json:"status"` // UP, DOWN, MAINT, "UP 1/2" (going down), ...
	Backup bool   `json:"backup,omitempty"`
	// Serving: this server takes new connections now (UP, and active, or the
	// first UP backup when no active server is UP).
	Serving  bool   `json:"serving"`
	Sessions int    `json:"sessions"`          // current sessions
	Check    string `json:"check,omitempty"`   // last health check result
	Since    int    `json:"since_s,omitempty"` // seconds since the last status change
	Downs    int    `json:"downs,omitempty"`   // UP->DOWN transitions
	Tracked  string `json:"tracked,omitempty"` // "backend/server" whose checks it follows
}

func (h HAProxy) problems() []string {
	if h.Error != "" {
		return []string{"haproxy: stats unreadable: " + h.Error}
	}
	var out []string
	for _, b := range h.Backends {
		if b.Status != "UP" {
			out = append(out, fmt.Sprintf("haproxy backend %s: %s (no server takes traffic)", b.Name, b.Status))
		}
		for _, s := range b.Servers {
			if !strings.HasPrefix(s.Status, "UP") || strings.Contains(s.Status, " ") {
				out = append(out, fmt.Sprintf("haproxy %s/%s: %s", b.Name, s.Name, s.Status))
			}
		}
	}
	return out
}

func readHAProxy(ctx context.Context, url string) HAProxy {
	h := HAProxy{URL: url}
	backends, err := fetchHAProxy(ctx, url)
	if err != nil {
		h.Error = err.Error()
	}
	h.Backends = backends
	return h
}

func fetchHAProxy(ctx context.Context, url string) ([]HAProxyBackend, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("building request for %s: %w", url, err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("reading %s: HTTP %d", url, res.StatusCode)
	}
	return parseHAProxyCSV(res.Body)
}

// parseHAProxyCSV reads "show stat" CSV: a "# pxname,svname,..." header,
// then one row per frontend, server and backend. Frontends are left out.
func parseHAProxyCSV(r io.Reader) ([]HAProxyBackend, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading HAProxy CSV header: %w", err)
	}
	if len(header) == 0 || !strings.HasPrefix(header[0], "# ") {
		return nil, fmt.Errorf("not HAProxy CSV stats (header %q)", strings.Join(header, ","))
	}
	header[0] = strings.TrimPrefix(header[0], "# ")
	col := map[string]int{}
	for i, name := range header {
		col[name] = i
	}
	for _, need := range []string{"pxname", "svname", "status", "bck", "scur"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("HAProxy CSV has no %s column", need)
		}
	}
	field := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	number := func(rec []string, name string) int { n, _ := strconv.Atoi(field(rec, name)); return n }
	var out []HAProxyBackend
	index := map[string]int{}
	backend := func(name string) *HAProxyBackend {
		i, ok := index[name]
		if !ok {
			i = len(out)
			index[name] = i
			out = append(out, HAProxyBackend{Name: name})
		}
		return &out[i]
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading HAProxy CSV: %w", err)
		}
		px, sv := field(rec, "pxname"), field(rec, "svname")
		switch sv {
		case "FRONTEND":
			continue
		case "BACKEND":
			if px != "stats" {
				backend(px).Status = field(rec, "status")
			}
			continue
		}
		backend(px).Servers = append(backend(px).Servers, HAProxyServer{
			Name: sv, Addr: field(rec, "addr"), Status: field(rec, "status"), Backup: field(rec, "bck") == "1",
			Sessions: number(rec, "scur"), Check: strings.TrimSpace(field(rec, "check_status")),
			Since: number(rec, "lastchg"), Downs: number(rec, "chkdown"), Tracked: field(rec, "tracked"),
		})
	}
	for i := range out {
		markServing(&out[i])
	}
	return out, nil
}

// markServing marks where new connections go: the UP active servers, or
// else the first UP backup (HAProxy's default without allbackups).
func markServing(b *HAProxyBackend) {
	active := false
	for i := range b.Servers {
		if s := &b.Servers[i]; !s.Backup && s.Status == "UP" {
			s.Serving, active = true, true
		}
	}
	if active {
		return
	}
	for i := range b.Servers {
		if s := &b.Servers[i]; s.Backup && s.Status == "UP" {
			s.Serving = true
			return
		}
	}
}
