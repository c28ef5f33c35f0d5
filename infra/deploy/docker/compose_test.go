// Package docker_test checks the Docker topology (docker-compose.yml,
// Dockerfile and the configuration files under infra/deploy/docker) without a
// Docker engine: the compose file is loaded, schema-validated, interpolated
// and normalised with compose-go (the library behind `docker compose
// config`), then the topology rules of the design brief are asserted.
package docker_test

import (
	"bufio"
	"context"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

const composeFile = "docker-compose.yml"

var (
	mysqlNodes = []string{"mysql1", "mysql2", "mysql3"}
	sentinels  = []string{"sentinel1", "sentinel2", "sentinel3"}

	// Every service of the topology. prometheus and grafana belong to the
	// optional "monitoring" profile.
	requiredServices = []string{
		"mysql1", "mysql2", "mysql3", "mysql-keeper",
		"proxysql",
		"redis-master", "redis-replica",
		"sentinel1", "sentinel2", "sentinel3",
		"migrate", "api", "worker", "lb",
		"prometheus", "grafana",
	}
	monitoringServices = []string{"prometheus", "grafana"}

	// Jobs that run once and exit; every other service is long-running.
	oneShotServices = []string{"migrate"}
)

// repoRoot is the module root: two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root %s has no go.mod: %v", root, err)
	}
	return root
}

// loadProject loads docker-compose.yml the way `docker compose` does:
// working directory = repo root, OS environment plus an optional .env file,
// paths resolved. profiles selects the enabled profiles ("*" = all).
func loadProject(t *testing.T, profiles ...string) *types.Project {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, composeFile)},
		cli.WithWorkingDirectory(root),
		cli.WithOsEnv,
		cli.WithDotEnv,
		cli.WithProfiles(profiles),
		cli.WithResolvedPaths(true),
	)
	if err != nil {
		t.Fatalf("compose options: %v", err)
	}
	project, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("loading %s: %v", composeFile, err)
	}
	return project
}

func allProfiles(t *testing.T) *types.Project {
	t.Helper()
	return loadProject(t, "*")
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %q: %v", name, err)
	}
	return s
}

// hostPath maps a container path of a service to the bind-mounted file in
// the repository.
func hostPath(t *testing.T, s types.ServiceConfig, target string) string {
	t.Helper()
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && v.Target == target {
			return v.Source
		}
	}
	t.Fatalf("service %q has no bind mount at %s", s.Name, target)
	return ""
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// directives parses a redis.conf / sentinel.conf style file into lines of
// whitespace-separated fields, comments and blank lines dropped.
func directives(t *testing.T, path string) [][]string {
	t.Helper()
	var out [][]string
	sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, strings.Fields(line))
	}
	return out
}

// directive returns the arguments of the first line whose leading fields
// equal key (case-insensitive), or nil.
func directive(lines [][]string, key ...string) []string {
	for _, l := range lines {
		if len(l) < len(key) {
			continue
		}
		match := true
		for i, k := range key {
			if !strings.EqualFold(l[i], k) {
				match = false
				break
			}
		}
		if match {
			return l[len(key):]
		}
	}
	return nil
}

func directiveIndex(lines [][]string, key ...string) int {
	for i, l := range lines {
		if len(l) >= len(key) && slices.EqualFunc(l[:len(key)], key, strings.EqualFold) {
			return i
		}
	}
	return -1
}

func healthcheckText(s types.ServiceConfig) string {
	if s.HealthCheck == nil {
		return ""
	}
	return strings.Join(s.HealthCheck.Test, " ")
}

func TestComposeServicesExist(t *testing.T) {
	p := allProfiles(t)
	for _, name := range requiredServices {
		if _, err := p.GetService(name); err != nil {
			t.Errorf("missing service %q", name)
		}
	}
}

func TestMonitoringIsAnOptionalProfile(t *testing.T) {
	p := loadProject(t) // no profile enabled
	for _, name := range monitoringServices {
		if _, err := p.GetService(name); err == nil {
			t.Errorf("%s is enabled without --profile monitoring", name)
		}
		if _, err := p.GetDisabledService(name); err != nil {
			t.Errorf("%s is not a (disabled) profile service: %v", name, err)
		}
	}
	for _, name := range requiredServices {
		if slices.Contains(monitoringServices, name) {
			continue
		}
		if _, err := p.GetService(name); err != nil {
			t.Errorf("%s needs a profile; it must run by default", name)
		}
	}
	all := allProfiles(t)
	for _, name := range monitoringServices {
		if s := service(t, all, name); !slices.Contains(s.Profiles, "monitoring") {
			t.Errorf("%s profiles = %v, want monitoring", name, s.Profiles)
		}
	}
	prom := readFile(t, hostPath(t, service(t, all, "prometheus"), "/etc/prometheus/prometheus.yml"))
	for _, want := range []string{"job_name: api", "job_name: worker", "/metrics", "port: 9101", "port: 9100"} {
		if !strings.Contains(prom, want) {
			t.Errorf("prometheus.yml lacks %q", want)
		}
	}
}

func TestLongRunningServicesHaveHealthchecks(t *testing.T) {
	p := allProfiles(t)
	for _, s := range p.Services {
		if slices.Contains(oneShotServices, s.Name) {
			continue
		}
		hc := s.HealthCheck
		if hc == nil || hc.Disable || len(hc.Test) < 2 || hc.Test[0] == "NONE" {
			t.Errorf("long-running service %q has no healthcheck", s.Name)
			continue
		}
		if hc.Test[0] != "CMD" && hc.Test[0] != "CMD-SHELL" {
			t.Errorf("%s healthcheck test starts with %q", s.Name, hc.Test[0])
		}
		if hc.Interval == nil || hc.Timeout == nil || hc.Retries == nil {
			t.Errorf("%s healthcheck needs interval, timeout and retries", s.Name)
		}
		if s.Restart == "" || s.Restart == types.RestartPolicyNo {
			t.Errorf("long-running service %q has restart %q", s.Name, s.Restart)
		}
	}

	// What each probe must actually check.
	want := map[string][]string{
		"proxysql":      {"6032", "runtime_mysql_servers", "ONLINE"},
		"redis-master":  {"redis-cli", "-a rental", "ping"},
		"redis-replica": {"redis-cli", "-a rental", "ping"},
		"api":           {"curl", "127.0.0.1:9101/readyz"},
		"worker":        {"curl", "127.0.0.1:9100/healthz"},
		"lb":            {"9000", "/healthz"},
	}
	for _, n := range mysqlNodes {
		want[n] = []string{"mysqladmin ping", "replication_group_members", "ONLINE"}
	}
	for _, n := range sentinels {
		want[n] = []string{"redis-cli -p 26379", "ping"}
	}
	for name, parts := range want {
		text := healthcheckText(service(t, p, name))
		for _, part := range parts {
			if !strings.Contains(text, part) {
				t.Errorf("%s healthcheck %q does not contain %q", name, text, part)
			}
		}
	}
}

func TestAPIAndWorkerReplicas(t *testing.T) {
	p := allProfiles(t)
	for _, name := range []string{"api", "worker"} {
		s := service(t, p, name)
		if s.Deploy == nil || s.Deploy.Replicas == nil || *s.Deploy.Replicas != 2 {
			t.Errorf("%s: deploy.replicas must be 2", name)
		}
		if got := s.GetScale(); got != 2 {
			t.Errorf("%s: scale %d, want 2", name, got)
		}
		// Anything fixed per container breaks `--scale`.
		if s.ContainerName != "" {
			t.Errorf("%s sets container_name; it cannot be scaled", name)
		}
		// Replicas must keep distinct hostnames (the worker derives its
		// default RENTAL_WORKER_ID from the hostname).
		if s.Hostname != "" {
			t.Errorf("%s sets hostname %q; every replica would share it", name, s.Hostname)
		}
		for _, port := range s.Ports {
			if port.Published != "" {
				t.Errorf("%s publishes host port %s; replicas would collide (the lb publishes 9000)", name, port.Published)
			}
		}
	}
}

func TestAppEnvironment(t *testing.T) {
	p := allProfiles(t)
	common := map[string]string{
		"RENTAL_MYSQL_DSN":         "rental_w:rental@tcp(proxysql:6033)/rental?parseTime=true",
		"RENTAL_MYSQL_READ_DSN":    "rental_r:rental@tcp(proxysql:6033)/rental?parseTime=true",
		"RENTAL_REDIS_SENTINELS":   "sentinel1:26379,sentinel2:26379,sentinel3:26379",
		"RENTAL_REDIS_MASTER_NAME": "rental",
		"RENTAL_REDIS_PASSWORD":    "rental",
		// rentalctl status: the proxy's admin interface and each group member.
		"RENTAL_PROXYSQL_ADMIN_DSN": "radmin:radmin@tcp(proxysql:6032)/",
		"RENTAL_MYSQL_NODES":        "monitor:monitor@tcp(mysql1:3306)/,monitor:monitor@tcp(mysql2:3306)/,monitor:monitor@tcp(mysql3:3306)/",
	}
	extra := map[string]map[string]string{
		"api":     {"RENTAL_HTTP_ADDR": ":9000", "RENTAL_DIAG_ADDR": ":9101"},
		"worker":  {"RENTAL_METRICS_ADDR": ":9100"},
		"migrate": {},
	}
	commands := map[string][]string{
		"api":     {"api"},
		"worker":  {"worker"},
		"migrate": {"rentalctl", "migrate"},
	}
	for name, more := range extra {
		s := service(t, p, name)
		for k, v := range common {
			checkEnv(t, s, k, v)
		}
		for k, v := range more {
			checkEnv(t, s, k, v)
		}
		if s.Build == nil {
			t.Errorf("%s must build the repository Dockerfile", name)
		}
		if !slices.Equal([]string(s.Command), commands[name]) {
			t.Errorf("%s command = %q, want %q", name, s.Command, commands[name])
		}
	}
}

func checkEnv(t *testing.T, s types.ServiceConfig, key, want string) {
	t.Helper()
	got, ok := s.Environment[key]
	if !ok || got == nil {
		t.Errorf("%s: %s is not set", s.Name, key)
		return
	}
	if *got != want {
		t.Errorf("%s: %s = %q, want %q", s.Name, key, *got, want)
	}
}

func TestOneShotJobs(t *testing.T) {
	p := allProfiles(t)
	for _, name := range oneShotServices {
		s := service(t, p, name)
		if s.Restart != types.RestartPolicyNo && !strings.HasPrefix(s.Restart, types.RestartPolicyOnFailure) {
			t.Errorf("%s restart = %q; a one-shot job needs \"no\" or on-failure", name, s.Restart)
		}
		if s.GetScale() != 1 {
			t.Errorf("%s must run exactly once", name)
		}
	}

	migrate := service(t, p, "migrate")
	if strings.Contains(strings.Join(migrate.Command, " "), "seed") {
		t.Errorf("migrate must not seed: %q", migrate.Command)
	}

	completed := func(dependent, dependency string) {
		t.Helper()
		dep, ok := service(t, p, dependent).DependsOn[dependency]
		if !ok {
			t.Errorf("%s does not depend on %s", dependent, dependency)
			return
		}
		if dep.Condition != types.ServiceConditionCompletedSuccessfully {
			t.Errorf("%s depends on %s with condition %q, want %q",
				dependent, dependency, dep.Condition, types.ServiceConditionCompletedSuccessfully)
		}
	}
	completed("api", "migrate")
	completed("worker", "migrate")

	// migrate talks to MySQL through ProxySQL: it must wait for it.
	if dep := migrate.DependsOn["proxysql"]; dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("migrate must wait for proxysql to be healthy, got %q", dep.Condition)
	}
}

// After a host reboot every Group Replication member has stopped, and
// start_on_boot only joins a running group: the group must be bootstrapped
// again on every start. So the keeper is a long-running service, restarted
// like the nodes, healthy only once the group is formed, and ProxySQL waits
// for it to be healthy.
func TestGroupKeeperReformsTheGroupOnEveryStart(t *testing.T) {
	p := allProfiles(t)
	keeper := service(t, p, "mysql-keeper")
	if keeper.Restart != types.RestartPolicyUnlessStopped && keeper.Restart != types.RestartPolicyAlways {
		t.Errorf("mysql-keeper restart = %q: after a reboot nothing would re-form the group", keeper.Restart)
	}
	if hc := keeper.HealthCheck; hc == nil || len(hc.Test) < 2 || !strings.Contains(strings.Join(hc.Test, " "), "gr-healthy") {
		t.Errorf("mysql-keeper needs a healthcheck on its pass file, got %+v", keeper.HealthCheck)
	}
	if dep := service(t, p, "proxysql").DependsOn["mysql-keeper"]; dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("proxysql must wait for mysql-keeper to be healthy, got %q", dep.Condition)
	}
	// The keeper waits for the nodes itself: their healthcheck only passes
	// once the group is ONLINE, so service_healthy would deadlock.
	for _, n := range mysqlNodes {
		dep, ok := keeper.DependsOn[n]
		if !ok {
			t.Errorf("mysql-keeper does not depend on %s", n)
		} else if dep.Condition == types.ServiceConditionHealthy {
			t.Errorf("mysql-keeper must not wait for %s to be healthy (deadlock)", n)
		}
	}
	env := keeper.Environment
	if v := env["GR_INTERVAL"]; v == nil || *v == "0" {
		t.Errorf("mysql-keeper GR_INTERVAL = %v: 0 runs one pass and exits", v)
	}
}

// No MySQL service may set query_cache_type (removed in MySQL 8: the server
// refuses to start with it).
func TestNoQueryCacheType(t *testing.T) {
	root := repoRoot(t)
	p := allProfiles(t)
	forbidden := regexp.MustCompile(`(?i)query[_-]cache`)

	for _, s := range p.Services {
		if !strings.HasPrefix(s.Image, "mysql:") {
			continue
		}
		var texts []string
		texts = append(texts, s.Command...)
		texts = append(texts, s.Entrypoint...)
		if s.HealthCheck != nil {
			texts = append(texts, s.HealthCheck.Test...)
		}
		for k, v := range s.Environment {
			texts = append(texts, k)
			if v != nil {
				texts = append(texts, *v)
			}
		}
		for _, text := range texts {
			if forbidden.MatchString(text) {
				t.Errorf("service %s sets the query cache: %q", s.Name, text)
			}
		}
		// Every file mounted into a MySQL container.
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			_ = filepath.WalkDir(v.Source, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				if forbidden.MatchString(readFile(t, path)) {
					t.Errorf("%s (mounted into %s) mentions the query cache", path, s.Name)
				}
				return nil
			})
		}
	}

	// And nothing under infra/deploy/docker (this test file excepted) nor the compose file.
	files := []string{filepath.Join(root, composeFile)}
	err := filepath.WalkDir(filepath.Join(root, "infra", "deploy", "docker"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && !strings.HasSuffix(path, "_test.go") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if forbidden.MatchString(readFile(t, f)) {
			t.Errorf("%s mentions query_cache_type", f)
		}
	}
}

func TestBindMountsAndBuildContextsExist(t *testing.T) {
	root := repoRoot(t)
	p := allProfiles(t)
	inRepo := func(path string) bool {
		rel, err := filepath.Rel(root, path)
		return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
	}
	for _, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if !inRepo(v.Source) {
				t.Errorf("%s bind-mounts %s from outside the repository", s.Name, v.Source)
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s bind-mounts a missing path: %v", s.Name, err)
			}
			if !v.ReadOnly {
				t.Errorf("%s mounts %s read-write; repository files must be mounted :ro", s.Name, v.Source)
			}
		}
		if s.Build != nil {
			if !inRepo(s.Build.Context) {
				t.Errorf("%s build context %s is outside the repository", s.Name, s.Build.Context)
			}
			dockerfile := s.Build.Dockerfile
			if dockerfile == "" {
				dockerfile = "Dockerfile"
			}
			if !filepath.IsAbs(dockerfile) {
				dockerfile = filepath.Join(s.Build.Context, dockerfile)
			}
			if _, err := os.Stat(dockerfile); err != nil {
				t.Errorf("%s: missing Dockerfile: %v", s.Name, err)
			}
		}
	}
}

func TestDataLivesInNamedVolumes(t *testing.T) {
	p := allProfiles(t)
	want := map[string]string{
		"mysql1":        "/var/lib/mysql",
		"mysql2":        "/var/lib/mysql",
		"mysql3":        "/var/lib/mysql",
		"redis-master":  "/data",
		"redis-replica": "/data",
	}
	for name, target := range want {
		s := service(t, p, name)
		found := false
		for _, v := range s.Volumes {
			if v.Target != target {
				continue
			}
			found = true
			if v.Type != types.VolumeTypeVolume {
				t.Errorf("%s: %s is a %s mount, want a named volume", name, target, v.Type)
			} else if _, ok := p.Volumes[v.Source]; !ok {
				t.Errorf("%s: volume %q is not declared", name, v.Source)
			}
		}
		if !found {
			t.Errorf("%s has no volume at %s", name, target)
		}
	}
}

// ini parses the [mysqld] options of my.cnf files: keys normalised to
// underscores, the `loose-` prefix dropped, quotes stripped.
func ini(t *testing.T, paths ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, path := range paths {
		section := ""
		sc := bufio.NewScanner(strings.NewReader(readFile(t, path)))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || line[0] == '#' || line[0] == ';' {
				continue
			}
			if line[0] == '[' {
				section = strings.Trim(line, "[] ")
				continue
			}
			if section != "mysqld" {
				continue
			}
			key, value, _ := strings.Cut(line, "=")
			key = strings.ReplaceAll(strings.TrimSpace(key), "-", "_")
			key = strings.TrimPrefix(key, "loose_")
			out[strings.ToLower(key)] = strings.Trim(strings.TrimSpace(value), `"'`)
		}
	}
	return out
}

func mysqlConfigFiles(t *testing.T, s types.ServiceConfig) []string {
	t.Helper()
	var files []string
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeBind && strings.HasPrefix(v.Target, "/etc/mysql/conf.d/") {
			files = append(files, v.Source)
		}
	}
	if len(files) == 0 {
		t.Fatalf("%s mounts no config into /etc/mysql/conf.d", s.Name)
	}
	return files
}

func TestMySQLGroupReplicationConfig(t *testing.T) {
	p := allProfiles(t)
	serverIDs := map[string]string{}
	localAddrs := map[string]string{}
	groupNames := map[string]bool{}
	for _, n := range mysqlNodes {
		s := service(t, p, n)
		if !strings.HasPrefix(s.Image, "mysql:8.4") {
			t.Errorf("%s image %q, want mysql:8.4 (LTS; 8.0 is end of life)", n, s.Image)
		}
		if s.Hostname != n {
			t.Errorf("%s hostname %q; GR member addresses use the service name", n, s.Hostname)
		}
		if hostPath(t, s, "/docker-entrypoint-initdb.d") == "" {
			t.Errorf("%s has no init scripts", n)
		}
		cfg := ini(t, mysqlConfigFiles(t, s)...)
		mustEqual := map[string]string{
			"gtid_mode":                                          "ON",
			"enforce_gtid_consistency":                           "ON",
			"plugin_load_add":                                    "group_replication.so",
			"group_replication_single_primary_mode":              "OFF",
			"group_replication_enforce_update_everywhere_checks": "ON",
			"report_host":                                        n,
			"group_replication_local_address":                    n + ":33061",
			// 8.4 ships it off; the application users need it (init SQL).
			"mysql_native_password": "ON",
		}
		for k, want := range mustEqual {
			if got := cfg[k]; !strings.EqualFold(got, want) {
				t.Errorf("%s: %s = %q, want %q", n, k, got, want)
			}
		}
		if _, ok := cfg["group_replication_start_on_boot"]; !ok {
			t.Errorf("%s: group_replication_start_on_boot is not configured", n)
		}
		if v, ok := cfg["group_replication_bootstrap_group"]; ok && !strings.EqualFold(v, "OFF") {
			t.Errorf("%s: group_replication_bootstrap_group=%s in a config file; only the bootstrap script may switch it on", n, v)
		}
		seeds := cfg["group_replication_group_seeds"]
		for _, other := range mysqlNodes {
			if !strings.Contains(seeds, other+":33061") {
				t.Errorf("%s: group seeds %q lack %s", n, seeds, other)
			}
		}
		id := cfg["server_id"]
		if id == "" || id == "0" {
			t.Errorf("%s: server_id must be set and non-zero", n)
		} else if prev, dup := serverIDs[id]; dup {
			t.Errorf("%s and %s share server_id %s", prev, n, id)
		}
		serverIDs[id] = n
		addr := cfg["group_replication_local_address"]
		if prev, dup := localAddrs[addr]; dup {
			t.Errorf("%s and %s share group_replication_local_address %s", prev, n, addr)
		}
		localAddrs[addr] = n
		groupNames[cfg["group_replication_group_name"]] = true
	}
	if len(groupNames) != 1 || groupNames[""] {
		t.Errorf("all nodes need the same non-empty group_replication_group_name, got %v", groupNames)
	}

	// The init script creates the users and database the rest relies on,
	// without binary logging (no member may start with extra GTIDs).
	initSQL := ""
	dir := hostPath(t, service(t, p, "mysql1"), "/docker-entrypoint-initdb.d")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			initSQL += readFile(t, filepath.Join(dir, e.Name()))
		}
	}
	for _, want := range []string{
		"sql_log_bin = 0", "'repl'@'%'", "REPLICATION SLAVE",
		"CREATE DATABASE IF NOT EXISTS rental",
		"'rental_w'@'%'", "'rental_r'@'%'", "'monitor'@'%'", "BY 'rental'",
	} {
		if !strings.Contains(initSQL, want) {
			t.Errorf("MySQL init SQL lacks %q", want)
		}
	}

	// 8.4 removed RESET MASTER; rental_w must read the group's members
	// (infra/mysql.MultiPrimary).
	if strings.Contains(initSQL, "RESET MASTER") || !strings.Contains(initSQL, "RESET BINARY LOGS AND GTIDS") {
		t.Error("MySQL init SQL must use RESET BINARY LOGS AND GTIDS (8.4), not RESET MASTER")
	}
	if !strings.Contains(initSQL, "GRANT SELECT ON performance_schema.replication_group_members TO 'rental_w'@'%'") {
		t.Error("MySQL init SQL must let rental_w read performance_schema.replication_group_members")
	}

	// The keeper script must switch bootstrap_group back off, persist
	// start_on_boot, and count received but unapplied transactions when it
	// picks the member to bootstrap from.
	script := readFile(t, hostPath(t, service(t, p, "mysql-keeper"), "/usr/local/bin/gr-keeper.sh"))
	for _, want := range []string{
		"group_replication_bootstrap_group = ON",
		"group_replication_bootstrap_group = OFF",
		"START GROUP_REPLICATION",
		"SET PERSIST group_replication_start_on_boot = ON",
		"GTID_SUBSET",
		"RECEIVED_TRANSACTION_SET",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("gr-keeper.sh lacks %q", want)
		}
	}
}

// libconfig-ish view of proxysql.cnf: for a list section such as
// mysql_servers=( {...}, {...} ) return one key/value map per entry.
func proxysqlEntries(t *testing.T, cnf, section string) []map[string]string {
	t.Helper()
	start := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(section) + `\s*=\s*\(`).FindStringIndex(cnf)
	if start == nil {
		t.Fatalf("proxysql.cnf has no %s list", section)
	}
	body := cnf[start[1]:]
	if end := strings.Index(body, "\n)"); end >= 0 {
		body = body[:end]
	}
	kv := regexp.MustCompile(`(\w+)\s*=\s*("[^"]*"|[^,;\s}]+)`)
	var entries []map[string]string
	for _, block := range regexp.MustCompile(`\{[^{}]*\}`).FindAllString(body, -1) {
		m := map[string]string{}
		for _, match := range kv.FindAllStringSubmatch(block, -1) {
			m[match[1]] = strings.Trim(match[2], `"`)
		}
		entries = append(entries, m)
	}
	return entries
}

func TestProxySQLConfig(t *testing.T) {
	p := allProfiles(t)
	s := service(t, p, "proxysql")
	cnf := readFile(t, hostPath(t, s, "/etc/proxysql.cnf"))

	for _, want := range []string{
		`interfaces="0.0.0.0:6033"`,
		`mysql_ifaces="0.0.0.0:6032"`,
		`radmin:radmin`,
		`monitor_username="monitor"`,
	} {
		if !strings.Contains(cnf, want) {
			t.Errorf("proxysql.cnf lacks %s", want)
		}
	}

	servers := map[string]bool{}
	for _, e := range proxysqlEntries(t, cnf, "mysql_servers") {
		servers[e["address"]+"/"+e["hostgroup"]] = true
	}
	for _, n := range mysqlNodes {
		for _, hg := range []string{"10", "20"} {
			if !servers[n+"/"+hg] {
				t.Errorf("mysql_servers lacks %s in hostgroup %s", n, hg)
			}
		}
	}

	gr := proxysqlEntries(t, cnf, "mysql_group_replication_hostgroups")
	if len(gr) != 1 {
		t.Fatalf("want one mysql_group_replication_hostgroups entry, got %d", len(gr))
	}
	for k, want := range map[string]string{
		"writer_hostgroup": "10", "reader_hostgroup": "20", "active": "1",
		"max_writers": "3", "writer_is_also_reader": "1",
	} {
		if gr[0][k] != want {
			t.Errorf("mysql_group_replication_hostgroups %s = %q, want %s", k, gr[0][k], want)
		}
	}
	for _, k := range []string{"backup_writer_hostgroup", "offline_hostgroup"} {
		if gr[0][k] == "" {
			t.Errorf("mysql_group_replication_hostgroups lacks %s", k)
		}
	}

	users := map[string]map[string]string{}
	for _, e := range proxysqlEntries(t, cnf, "mysql_users") {
		users[e["username"]] = e
	}
	for user, hg := range map[string]string{"rental_w": "10", "rental_r": "20"} {
		u, ok := users[user]
		switch {
		case !ok:
			t.Errorf("mysql_users lacks %s", user)
		case u["default_hostgroup"] != hg:
			t.Errorf("%s default_hostgroup = %q, want %s", user, u["default_hostgroup"], hg)
		case u["password"] != "rental":
			t.Errorf("%s password = %q, want rental", user, u["password"])
		}
	}
	if len(users) != 2 {
		t.Errorf("mysql_users = %v, want exactly rental_w and rental_r", slices.Sorted(maps.Keys(users)))
	}
}

func TestRedis(t *testing.T) {
	p := allProfiles(t)
	conf := func(name string) [][]string {
		s := service(t, p, name)
		if len(s.Command) < 2 || s.Command[0] != "redis-server" {
			t.Fatalf("%s command %q, want redis-server <config>", name, s.Command)
		}
		return directives(t, hostPath(t, s, s.Command[1]))
	}
	master, replica := conf("redis-master"), conf("redis-replica")

	for name, c := range map[string][][]string{"redis-master": master, "redis-replica": replica} {
		if v := directive(c, "requirepass"); len(v) != 1 || v[0] == "" {
			t.Errorf("%s has no password (requirepass)", name)
		}
		if v := directive(c, "masterauth"); len(v) != 1 || v[0] != directive(c, "requirepass")[0] {
			t.Errorf("%s masterauth must equal requirepass (a demoted master re-syncs)", name)
		}
		if v := directive(c, "appendonly"); len(v) != 1 || v[0] != "yes" {
			t.Errorf("%s: appendonly must be yes", name)
		}
		if v := directive(c, "replica-announce-ip"); len(v) != 1 || v[0] != name {
			t.Errorf("%s: replica-announce-ip = %v, want %s", name, v, name)
		}
	}
	if v := directive(replica, "replica-read-only"); len(v) != 1 || v[0] != "yes" {
		t.Errorf("redis-replica must be read-only (replica-read-only yes), got %v", v)
	}
	if v := directive(replica, "replicaof"); !slices.Equal(v, []string{"redis-master", "6379"}) {
		t.Errorf("redis-replica replicaof = %v, want redis-master 6379", v)
	}
	if v := directive(master, "replicaof"); v != nil {
		t.Errorf("redis-master must not be a replica: replicaof %v", v)
	}
}

func TestSentinels(t *testing.T) {
	p := allProfiles(t)
	masterPass := directive(directives(t, hostPath(t, service(t, p, "redis-master"), "/usr/local/etc/redis/redis.conf")), "requirepass")

	var template string
	for _, name := range sentinels {
		s := service(t, p, name)
		tmpl := hostPath(t, s, "/etc/redis/sentinel.conf.tmpl")
		entry := hostPath(t, s, "/usr/local/bin/sentinel-entrypoint.sh")
		if template == "" {
			template = tmpl
		} else if tmpl != template {
			t.Errorf("%s uses another sentinel template: %s", name, tmpl)
		}
		if !strings.Contains(strings.Join(s.Entrypoint, " "), "sentinel-entrypoint.sh") {
			t.Errorf("%s does not start through sentinel-entrypoint.sh: %q", name, s.Entrypoint)
		}
		script := readFile(t, entry)
		if !strings.Contains(script, "--sentinel") || !strings.Contains(script, "/data/") {
			t.Errorf("sentinel-entrypoint.sh must copy the template to a writable path and start --sentinel")
		}
		if v := s.Environment["SENTINEL_ANNOUNCE_HOST"]; v == nil || *v != name {
			t.Errorf("%s must announce itself as %s", name, name)
		}
	}

	c := directives(t, template)
	monitor := directive(c, "sentinel", "monitor", "rental")
	if len(monitor) != 3 {
		t.Fatalf("sentinel template: want `sentinel monitor rental <host> <port> <quorum>`, got %v", monitor)
	}
	if monitor[0] != "redis-master" || monitor[1] != "6379" {
		t.Errorf("sentinel monitors %s:%s, want redis-master:6379", monitor[0], monitor[1])
	}
	if monitor[2] != "2" {
		t.Errorf("sentinel quorum = %s, want 2", monitor[2])
	}
	for key, want := range map[string]string{
		"down-after-milliseconds": "1000",
		"failover-timeout":        "5000",
	} {
		if v := directive(c, "sentinel", key, "rental"); len(v) != 1 || v[0] != want {
			t.Errorf("sentinel %s = %v, want %s", key, v, want)
		}
	}
	if v := directive(c, "sentinel", "auth-pass", "rental"); len(v) != 1 || len(masterPass) != 1 || v[0] != masterPass[0] {
		t.Errorf("sentinel auth-pass %v does not match the redis password", v)
	}
	for _, key := range []string{"resolve-hostnames", "announce-hostnames"} {
		if v := directive(c, "sentinel", key); len(v) != 1 || v[0] != "yes" {
			t.Errorf("sentinel %s must be yes", key)
		}
	}
	if directiveIndex(c, "sentinel", "resolve-hostnames") > directiveIndex(c, "sentinel", "monitor") {
		t.Errorf("sentinel resolve-hostnames must come before the monitor line that names a host")
	}
}

func TestLoadBalancer(t *testing.T) {
	p := allProfiles(t)
	lb := service(t, p, "lb")
	published := false
	for _, port := range lb.Ports {
		if port.Target == 9000 && port.Published == "9000" {
			published = true
		}
	}
	if !published {
		t.Errorf("lb must publish host port 9000 -> 9000, got %+v", lb.Ports)
	}
	if dep, ok := lb.DependsOn["api"]; !ok || dep.Condition != types.ServiceConditionHealthy {
		t.Errorf("lb must wait for a healthy api")
	}
	cfg := readFile(t, hostPath(t, lb, "/usr/local/etc/haproxy/haproxy.cfg"))
	for _, want := range []string{
		"resolvers docker", "127.0.0.11:53", "server-template", "api:9000",
		"resolvers docker", "bind :9000", "uri /healthz", "check port 9101",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("haproxy.cfg lacks %q", want)
		}
	}
}

func TestDockerfile(t *testing.T) {
	df := readFile(t, filepath.Join(repoRoot(t), "Dockerfile"))
	var froms []string
	var lastStageUser string
	for _, line := range strings.Split(df, "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms = append(froms, fields[1])
			lastStageUser = ""
		case "USER":
			lastStageUser = fields[1]
		}
	}
	if len(froms) < 2 {
		t.Fatalf("Dockerfile must be multi-stage, FROM lines: %v", froms)
	}
	if v, ok := strings.CutPrefix(froms[0], "golang:1.26."); !ok || len(v) == 0 || !patchAtLeast(v, 8) {
		t.Errorf("build stage FROM %s, want golang:1.26.8 or a later patch", froms[0])
	}
	runtime := froms[len(froms)-1]
	if !strings.HasPrefix(runtime, "debian:12-slim") && !strings.Contains(runtime, "distroless") {
		t.Errorf("runtime stage FROM %s, want debian:12-slim or distroless", runtime)
	}
	user, _, _ := strings.Cut(lastStageUser, ":")
	if user == "" || user == "root" || user == "0" {
		t.Errorf("runtime stage must run as a non-root USER, got %q", lastStageUser)
	}
	for _, want := range []string{"-o /out/ ./cmd/...", "/out/api", "/out/worker", "/out/rentalctl", "curl"} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// patchAtLeast reports whether a version's patch number ("8", "10 AS build")
// is at least min.
func patchAtLeast(v string, min int) bool {
	n := 0
	for _, r := range v {
		if r < '0' || r > '9' {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n >= min
}

// Locally built images are never pulled (no registry has them), and the build
// context leaves out what the image does not need.
func TestLocalImagesAreBuiltAndTheContextIsSmall(t *testing.T) {
	p := allProfiles(t)
	for _, s := range p.Services {
		if s.Build != nil && s.PullPolicy != types.PullPolicyBuild {
			t.Errorf("%s is built here but pull_policy = %q, want build", s.Name, s.PullPolicy)
		}
	}
	ignore := readFile(t, filepath.Join(repoRoot(t), ".dockerignore"))
	for _, want := range []string{".git", "bin", ".run", "docs"} {
		found := false
		for _, line := range strings.Split(ignore, "\n") {
			found = found || strings.TrimSpace(line) == want
		}
		if !found {
			t.Errorf(".dockerignore lacks %q", want)
		}
	}
}
