// Package config reads the environment. Every default reaches what `make up`
// starts on this machine, so every binary works right after it with no flags.
package config

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/redis"
)

// Config is every setting of the api, the worker and rentalctl.
type Config struct {
	HTTPAddr string // RENTAL_HTTP_ADDR
	// DiagAddr (RENTAL_DIAG_ADDR) is where the api serves /healthz, /readyz
	// and /metrics: for the load balancer's checks and Prometheus only.
	DiagAddr string
	// HTTPReadTimeout (RENTAL_HTTP_READ_TIMEOUT) bounds reading a whole
	// request, body included, so a body trickled in cannot hold a connection.
	HTTPReadTimeout time.Duration
	// CommandTimeout (RENTAL_COMMAND_TIMEOUT) bounds one command, its MySQL
	// retries included: past it the caller gets 503 and may send it again
	// with the same Idempotency-Key (rental.Deadline).
	CommandTimeout time.Duration
	MySQLDSN       string // RENTAL_MYSQL_DSN: the writer
	MySQLReadDSN   string // RENTAL_MYSQL_READ_DSN: the reader; empty = the writer
	Redis          redis.Config
	Prefix         string // RENTAL_REDIS_PREFIX: key prefix, so environments can share a Redis
	MetricsAddr    string // RENTAL_METRICS_ADDR: the worker's /metrics and /healthz
	WorkerID       string // RENTAL_WORKER_ID
	Consumers      int    // RENTAL_WORKER_CONSUMERS: subscriptions per stream in one worker
	BcryptCost     int    // RENTAL_BCRYPT_COST
	LogLevel       slog.Level
	LogJSON        bool
	NearCache      bool          // RENTAL_NEAR_CACHE (default on): the api's in-process cache
	ReadModels     bool          // RENTAL_READ_MODELS (default on): off forces every query to MySQL
	SweepEvery     time.Duration // RENTAL_SWEEP_INTERVAL
	SweepAge       time.Duration // RENTAL_SWEEP_AGE
	// IdempotencyWindow (RENTAL_IDEMPOTENCY_WINDOW) is how long a command id
	// (an Idempotency-Key) is remembered; workers forget older ones.
	IdempotencyWindow time.Duration
	// GenerationGrace (RENTAL_GENERATION_GRACE) is how long a read-model
	// generation a replay replaced stays readable before workers delete it.
	GenerationGrace time.Duration
	// StreamMaxLen (RENTAL_STREAM_MAXLEN) is about how many entries each event
	// stream keeps; workers trim every StreamTrimEvery
	// (RENTAL_STREAM_TRIM_INTERVAL), never past what a consumer group still needs.
	StreamMaxLen    int64
	StreamTrimEvery time.Duration
	// RelayMinReplicas (RENTAL_RELAY_MIN_REPLICAS) is how many Redis replicas
	// must be connected before the relay takes published events as safe and
	// deletes their outbox rows: 1 behind Sentinel, 0 with one Redis.
	RelayMinReplicas int
	// Attempts bounds wrong passwords per account and per client address, and
	// registrations per address, in a window (RENTAL_ATTEMPT_WINDOW,
	// RENTAL_PASSWORD_ATTEMPTS_PER_ACCOUNT, RENTAL_PASSWORD_ATTEMPTS_PER_ADDRESS,
	// RENTAL_REGISTRATIONS_PER_ADDRESS; 0 turns one off).
	Attempts command.AttemptLimits

	// What `rentalctl status` inspects besides the DSNs above.
	MySQLNodes       []string // RENTAL_MYSQL_NODES: each node, "host:port" (writer's credentials) or a DSN
	HAProxyStatsURL  string   // RENTAL_HAPROXY_STATS_URL: HAProxy's CSV stats
	ProxySQLAdminDSN string   // RENTAL_PROXYSQL_ADMIN_DSN: ProxySQL's admin interface
}

// Defaults that reach `make up`'s local cluster.
const (
	DefaultHTTPAddr     = ":9000"
	DefaultMySQLDSN     = "rental:rental@tcp(127.0.0.1:3307)/rental"
	DefaultMySQLReadDSN = "rental:rental@tcp(127.0.0.1:3308)/rental"
	DefaultSentinels    = "127.0.0.1:26380,127.0.0.1:26381,127.0.0.1:26382"
	DefaultMasterName   = "rental"
	DefaultPassword     = "rental"
	DefaultPrefix       = "rental:"
	DefaultMetricsAddr  = ":9100"
	DefaultDiagAddr     = ":9101"
	DefaultMySQLNodes   = "127.0.0.1:3311,127.0.0.1:3312,127.0.0.1:3313"
	DefaultHAProxyStats = "http://127.0.0.1:8404/stats;csv"
)

// FromEnv reads the configuration from the process environment.
func FromEnv() (Config, error) { return FromLookup(os.LookupEnv) }

// FromLookup reads the configuration through lookup (tests pass a map).
func FromLookup(lookup func(string) (string, bool)) (Config, error) {
	get := func(name, def string) string {
		if v, ok := lookup(name); ok && v != "" {
			return v
		}
		return def
	}
	var problems []string
	integer := func(name string, def int) int {
		raw := get(name, "")
		if raw == "" {
			return def
		}
		n, err := strconv.Atoi(raw)
		if err != nil {
			problems = append(problems, name+" must be a whole number")
		}
		return n
	}
	duration := func(name string, def time.Duration) time.Duration {
		raw := get(name, "")
		if raw == "" {
			return def
		}
		d, err := time.ParseDuration(raw)
		if err != nil {
			problems = append(problems, name+" must be a duration such as 500ms")
		}
		return d
	}
	boolean := func(name string, def bool) bool {
		raw := get(name, "")
		if raw == "" {
			return def
		}
		b, err := strconv.ParseBool(raw)
		if err != nil {
			problems = append(problems, name+" must be true or false")
		}
		return b
	}
	host, _ := os.Hostname()
	c := Config{
		HTTPAddr:          get("RENTAL_HTTP_ADDR", DefaultHTTPAddr),
		DiagAddr:          get("RENTAL_DIAG_ADDR", DefaultDiagAddr),
		HTTPReadTimeout:   duration("RENTAL_HTTP_READ_TIMEOUT", 30*time.Second),
		CommandTimeout:    duration("RENTAL_COMMAND_TIMEOUT", 10*time.Second),
		MySQLDSN:          get("RENTAL_MYSQL_DSN", DefaultMySQLDSN),
		MySQLReadDSN:      get("RENTAL_MYSQL_READ_DSN", ""),
		Prefix:            get("RENTAL_REDIS_PREFIX", DefaultPrefix),
		MetricsAddr:       get("RENTAL_METRICS_ADDR", DefaultMetricsAddr),
		WorkerID:          get("RENTAL_WORKER_ID", fmt.Sprintf("%s-%d", host, os.Getpid())),
		Consumers:         integer("RENTAL_WORKER_CONSUMERS", 4),
		BcryptCost:        integer("RENTAL_BCRYPT_COST", 0),
		LogJSON:           get("RENTAL_LOG_FORMAT", "text") == "json",
		NearCache:         boolean("RENTAL_NEAR_CACHE", true),
		ReadModels:        boolean("RENTAL_READ_MODELS", true),
		SweepEvery:        duration("RENTAL_SWEEP_INTERVAL", time.Second),
		SweepAge:          duration("RENTAL_SWEEP_AGE", 3*time.Second),
		IdempotencyWindow: duration("RENTAL_IDEMPOTENCY_WINDOW", 24*time.Hour),

		GenerationGrace: duration("RENTAL_GENERATION_GRACE", 30*time.Second),
		StreamMaxLen:    int64(integer("RENTAL_STREAM_MAXLEN", 10000)),
		StreamTrimEvery: duration("RENTAL_STREAM_TRIM_INTERVAL", 10*time.Second),

		MySQLNodes:       splitList(get("RENTAL_MYSQL_NODES", "")),
		HAProxyStatsURL:  get("RENTAL_HAPROXY_STATS_URL", ""),
		ProxySQLAdminDSN: get("RENTAL_PROXYSQL_ADMIN_DSN", ""),
	}
	// The reader, the nodes and the HAProxy stats default to make up's only
	// when the writer is make up's too; a custom writer without a reader means
	// "read the writer", and without nodes "inspect the writer".
	if _, set := lookup("RENTAL_MYSQL_DSN"); !set {
		if c.MySQLReadDSN == "" {
			c.MySQLReadDSN = DefaultMySQLReadDSN
		}
		if len(c.MySQLNodes) == 0 {
			c.MySQLNodes = splitList(DefaultMySQLNodes)
		}
		if c.HAProxyStatsURL == "" {
			c.HAProxyStatsURL = DefaultHAProxyStats
		}
	}
	if addr := get("RENTAL_REDIS_ADDR", ""); addr != "" {
		c.Redis = redis.Config{Addr: addr, Password: get("RENTAL_REDIS_PASSWORD", "")}
	} else {
		c.Redis = redis.Config{
			Sentinels:  splitList(get("RENTAL_REDIS_SENTINELS", DefaultSentinels)),
			MasterName: get("RENTAL_REDIS_MASTER_NAME", DefaultMasterName),
			Password:   get("RENTAL_REDIS_PASSWORD", DefaultPassword),
		}
	}
	minReplicas := 0
	if len(c.Redis.Sentinels) > 0 {
		minReplicas = 1
	}
	def := command.DefaultAttemptLimits
	c.Attempts = command.AttemptLimits{
		Window:                  duration("RENTAL_ATTEMPT_WINDOW", def.Window),
		PasswordsPerAccount:     integer("RENTAL_PASSWORD_ATTEMPTS_PER_ACCOUNT", def.PasswordsPerAccount),
		PasswordsPerAddress:     integer("RENTAL_PASSWORD_ATTEMPTS_PER_ADDRESS", def.PasswordsPerAddress),
		RegistrationsPerAddress: integer("RENTAL_REGISTRATIONS_PER_ADDRESS", def.RegistrationsPerAddress),
	}
	if a := c.Attempts; a.Window < time.Second || a.PasswordsPerAccount < 0 || a.PasswordsPerAddress < 0 || a.RegistrationsPerAddress < 0 {
		problems = append(problems, "RENTAL_ATTEMPT_WINDOW must be at least 1s and the attempt limits not negative")
	}
	c.RelayMinReplicas = integer("RENTAL_RELAY_MIN_REPLICAS", minReplicas)
	if c.RelayMinReplicas < 0 {
		problems = append(problems, "RENTAL_RELAY_MIN_REPLICAS must not be negative")
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("RENTAL_LOG_LEVEL", "info"))); err != nil {
		problems = append(problems, "RENTAL_LOG_LEVEL must be debug, info, warn or error")
	}
	if c.HTTPReadTimeout <= 0 {
		problems = append(problems, "RENTAL_HTTP_READ_TIMEOUT must be positive")
	}
	if c.CommandTimeout < time.Second {
		problems = append(problems, "RENTAL_COMMAND_TIMEOUT must be at least 1s")
	}
	if c.Consumers < 1 || c.Consumers > 64 {
		problems = append(problems, "RENTAL_WORKER_CONSUMERS must be between 1 and 64")
	}
	if c.IdempotencyWindow < time.Minute {
		problems = append(problems, "RENTAL_IDEMPOTENCY_WINDOW must be at least a minute")
	}
	if c.StreamMaxLen < 1 || c.StreamTrimEvery <= 0 {
		problems = append(problems, "RENTAL_STREAM_MAXLEN and RENTAL_STREAM_TRIM_INTERVAL must be positive")
	}
	if c.GenerationGrace < time.Second {
		// Readers trust the live generation they read for up to half a second.
		problems = append(problems, "RENTAL_GENERATION_GRACE must be at least 1s")
	}
	if len(problems) > 0 {
		return Config{}, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// Logger returns the process logger this configuration asks for.
func (c Config) Logger() *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogJSON {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
