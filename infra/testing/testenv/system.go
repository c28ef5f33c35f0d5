package testenv

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/system/apiserver"
	"github.com/zufang/rental/infra/testing/contract"
)

// Options shape a system started by StartSystem.
type Options struct {
	RedisAddr string // default: the shared test Redis
	Workers   int    // worker replicas (default 1; -1 for none)
	// Configure may adjust the configuration every process gets.
	Configure func(*config.Config)
}

// System is the platform running in-process: one api and some workers, each
// with its own connections, as separate processes would have.
type System struct {
	URL     string
	DiagURL string // the api's diagnostics address: /healthz, /readyz, /metrics
	Config  config.Config
	API     *apiserver.API

	t        testing.TB
	mu       sync.Mutex
	workers  map[string]func()
	contract *contract.Contract
}

// StartSystem starts an api and the workers on a fresh database and key
// prefix; everything stops and is removed when the test ends.
func StartSystem(t testing.TB, opts Options) *System {
	t.Helper()
	if opts.RedisAddr == "" {
		opts.RedisAddr = RedisAddr()
	}
	if opts.Workers == 0 {
		opts.Workers = 1
	}
	cfg, err := config.FromLookup(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	cfg.MySQLDSN = Database(t)
	cfg.MySQLReadDSN = ""
	cfg.Redis.Addr, cfg.Redis.Sentinels, cfg.Redis.Password = opts.RedisAddr, nil, ""
	cfg.RelayMinReplicas = 0 // one Redis, no replica to wait for
	cfg.Prefix = Prefix(t, opts.RedisAddr)
	// The defaults name make up's Galera nodes and HAProxy; a test reads none of them.
	cfg.MySQLNodes, cfg.HAProxyStatsURL, cfg.ProxySQLAdminDSN = nil, "", ""
	cfg.BcryptCost = 4 // the lowest bcrypt allows: tests log in a lot
	cfg.SweepEvery, cfg.SweepAge = 100*time.Millisecond, 300*time.Millisecond
	cfg.Consumers = 2
	if opts.Configure != nil {
		opts.Configure(&cfg)
	}
	s := &System{Config: cfg, t: t, workers: map[string]func(){}, contract: Contract(t)}
	base := s.open("api")
	api, err := apiserver.New(base)
	if err != nil {
		t.Fatalf("assembling api: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	diag, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.API, s.URL, s.DiagURL = api, "http://"+ln.Addr().String(), "http://"+diag.Addr().String()
	s.run("api", func(ctx context.Context) {
		go func() { _ = api.ServeDiag(ctx, diag) }()
		_ = api.Serve(ctx, ln)
	}, base)
	for i := range max(opts.Workers, 0) {
		s.StartWorker(Name("w") + string(rune('a'+i)))
	}
	return s
}

// StartWorker starts one more worker replica with the given id.
func (s *System) StartWorker(id string) {
	s.t.Helper()
	cfg := s.Config
	cfg.WorkerID = id
	base := s.openWith(cfg, "worker "+id)
	w, err := system.NewWorker(base)
	if err != nil {
		s.t.Fatalf("assembling worker: %v", err)
	}
	stop := s.run("worker "+id, func(ctx context.Context) { _ = w.Run(ctx) }, base)
	s.mu.Lock()
	s.workers[id] = stop
	s.mu.Unlock()
}

// StopWorker stops a worker replica gracefully.
func (s *System) StopWorker(id string) {
	s.mu.Lock()
	stop := s.workers[id]
	delete(s.workers, id)
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Open connects to the system's database and Redis as a separate process would.
func (s *System) Open() *system.Base { return s.open("tool") }

func (s *System) open(name string) *system.Base { return s.openWith(s.Config, name) }

func (s *System) openWith(cfg config.Config, name string) *system.Base {
	s.t.Helper()
	b, err := system.Open(context.Background(), cfg, Logger().With("process", name))
	if err != nil {
		s.t.Fatalf("opening %s: %v", name, err)
	}
	return b
}

// run starts fn in the background; the returned stop (also run at cleanup)
// cancels it, waits for it and closes base.
func (s *System) run(name string, fn func(ctx context.Context), base *system.Base) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); fn(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				s.t.Errorf("%s did not stop within 20s", name)
			}
			base.Close()
		})
	}
	s.t.Cleanup(stop)
	return stop
}

// Logger is the log of in-process systems: quiet unless RENTAL_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("RENTAL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Workers returns the ids of the running worker replicas.
func (s *System) Workers() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make(map[string]bool, len(s.workers))
	for id := range s.workers {
		ids[id] = true
	}
	return ids
}

// StartAPI starts one more api replica on the system and returns a client of it.
func (s *System) StartAPI() *Client {
	s.t.Helper()
	base := s.open("api")
	api, err := apiserver.New(base)
	if err != nil {
		s.t.Fatalf("assembling api: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.t.Fatal(err)
	}
	s.run("api", func(ctx context.Context) { _ = api.Serve(ctx, ln) }, base)
	return s.clientOf("http://" + ln.Addr().String())
}
