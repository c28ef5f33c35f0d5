package docker_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestGrafanaIsProvisionedWithTheDashboard(t *testing.T) {
	grafana := service(t, allProfiles(t), "grafana")
	provisioning := hostPath(t, grafana, "/etc/grafana/provisioning")
	ds := readFile(t, filepath.Join(provisioning, "datasources", "prometheus.yml"))
	for _, want := range []string{"uid: prometheus", "url: http://prometheus:9090"} {
		if !strings.Contains(ds, want) {
			t.Errorf("the datasource lacks %q", want)
		}
	}
	if p := readFile(t, filepath.Join(provisioning, "dashboards", "rental.yml")); !strings.Contains(p, "path: /etc/grafana/dashboards") {
		t.Error("the dashboard provider must load /etc/grafana/dashboards")
	}
	var dash struct {
		UID    string `json:"uid"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			Targets []struct {
				Expr       string `json:"expr"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
			} `json:"targets"`
		} `json:"panels"`
	}
	raw := readFile(t, filepath.Join(hostPath(t, grafana, "/etc/grafana/dashboards"), "rental.json"))
	if err := json.Unmarshal([]byte(raw), &dash); err != nil {
		t.Fatalf("rental.json: %v", err)
	}
	if dash.UID == "" || len(dash.Panels) < 10 {
		t.Fatalf("rental.json has %d panels", len(dash.Panels))
	}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q queries nothing", p.Title)
		}
		for _, target := range p.Targets {
			if target.Datasource.UID != "prometheus" || target.Expr == "" {
				t.Errorf("panel %q: a target without the provisioned datasource or a query", p.Title)
			}
		}
	}
}

func TestLoadBalancerHidesMetrics(t *testing.T) {
	lb := service(t, allProfiles(t), "lb")
	if cfg := readFile(t, hostPath(t, lb, "/usr/local/etc/haproxy/haproxy.cfg")); !strings.Contains(cfg, "deny deny_status 404 if { path_beg /metrics }") {
		t.Error("the public load balancer must not serve /metrics")
	}
}

// TestDiagnosticsAreReachedOnlyByTheChecksAndPrometheus: each api serves
// /healthz, /readyz and /metrics on RENTAL_DIAG_ADDR. The load balancer's
// check and Prometheus go there; no port of it is published to the host, and
// the public load balancer refuses the paths.
func TestDiagnosticsAreReachedOnlyByTheChecksAndPrometheus(t *testing.T) {
	p := allProfiles(t)
	api := service(t, p, "api")
	diag := api.Environment["RENTAL_DIAG_ADDR"]
	if diag == nil || !strings.HasPrefix(*diag, ":") || *diag == ":"+strings.TrimPrefix(*api.Environment["RENTAL_HTTP_ADDR"], ":") {
		t.Fatalf("the api needs a diagnostics address of its own, got %v", diag)
	}
	port := strings.TrimPrefix(*diag, ":")
	if len(api.Ports) != 0 {
		t.Errorf("the api publishes no port to the host: %v", api.Ports)
	}
	cfg := readFile(t, hostPath(t, service(t, p, "lb"), "/usr/local/etc/haproxy/haproxy.cfg"))
	if !strings.Contains(cfg, "check port "+port) || !strings.Contains(cfg, "uri /healthz") {
		t.Errorf("the load balancer's check must ask /healthz on the diagnostics port %s", port)
	}
	if !strings.Contains(cfg, "path_beg /readyz") {
		t.Error("the public load balancer must not serve /readyz")
	}
	prom := readFile(t, filepath.Join(repoRoot(t), "infra/deploy/docker/prometheus.yml"))
	job := prom[strings.Index(prom, "job_name: api"):]
	job = job[:strings.Index(job, "job_name: worker")]
	if !strings.Contains(job, "port: "+port) {
		t.Errorf("Prometheus must scrape the apis on the diagnostics port %s:\n%s", port, job)
	}
}
