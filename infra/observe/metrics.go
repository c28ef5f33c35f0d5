package observe

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
	"github.com/zufang/rental/worker"
)

// Metrics is one process's Prometheus registry and the instruments the
// decorators and observers record into. It is built once, at wiring time, and
// passed to whatever records; nothing registers in Prometheus' global
// default registry.
type Metrics struct {
	Registry *prometheus.Registry

	httpRequests *prometheus.CounterVec
	httpDuration *prometheus.HistogramVec
	useCases     *prometheus.HistogramVec
	answers      *prometheus.CounterVec
	projected    *prometheus.CounterVec
	lag          *prometheus.HistogramVec
	projErrors   *prometheus.CounterVec
	relayEvents  *prometheus.CounterVec
	relayFails   prometheus.Counter
}

// Namespace prefixes every metric of ours.
const Namespace = "rental"

// latencyBuckets cover a near-cache hit (tens of µs) to a slow MySQL fallback.
var latencyBuckets = []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

// lagBuckets cover the lag target (p50 ≤ 5 ms, p99 ≤ 25 ms) up to a worker
// that was down for minutes.
var lagBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// NewMetrics returns the instruments of a process, with the Go runtime and
// process collectors.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) prometheus.Collector { reg.MustRegister(c); return c }
	return &Metrics{
		Registry: reg,
		httpRequests: f(prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "http_requests_total",
			Help: "HTTP requests by route, method and status."}, []string{"route", "method", "status"})).(*prometheus.CounterVec),
		httpDuration: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "http_request_duration_seconds",
			Help: "HTTP request latency by route and method.", Buckets: latencyBuckets}, []string{"route", "method"})).(*prometheus.HistogramVec),
		useCases: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "use_case_duration_seconds",
			Help: "Commands and queries by name and outcome (error code, or ok).", Buckets: latencyBuckets}, []string{"use_case", "code"})).(*prometheus.HistogramVec),
		answers: f(prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "query_answers_total",
			Help: "Query answers by where they came from: redis (read model; near cache included), memory, " +
				"mysql (fallback: miss or Redis error), mysql-writer (read model older than min_version)."},
			[]string{"query", "source"})).(*prometheus.CounterVec),
		projected: f(prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "events_projected_total",
			Help: "Events the projectors handled: applied, stale (a repeat or out of order) or unknown type."},
			[]string{"aggregate", "outcome"})).(*prometheus.CounterVec),
		lag: f(prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: Namespace, Name: "projection_lag_seconds",
			Help: "From an event's occurred_at (its command's commit) to its read-model write.", Buckets: lagBuckets},
			[]string{"aggregate"})).(*prometheus.HistogramVec),
		projErrors: f(prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "projection_errors_total",
			Help: "Projector failures (retried; a permanent one goes to the dead letters)."},
			[]string{"aggregate"})).(*prometheus.CounterVec),
		relayEvents: f(prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: "relay_events_total",
			Help: "Outbox events the relay published (fast path or sweep), confirmed on a replica, or left to the sweep (dropped)."},
			[]string{"what"})).(*prometheus.CounterVec),
		relayFails: f(prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: "relay_confirm_failures_total",
			Help: "Times no Redis replica acknowledged published events in time (they stay in outbox)."})).(prometheus.Counter),
	}
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// HTTP records every request by route template (never the raw path, which
// would make a series per listing id), method and status.
func (m *Metrics) HTTP() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // writes the error response, so its status is known; later handlers see it committed
			}
			route := c.Path() // a route template, or "" when nothing matched
			if route == "" {
				route = "unmatched"
			}
			method := c.Request().Method
			m.httpRequests.WithLabelValues(route, method, strconv.Itoa(c.Response().Status)).Inc()
			m.httpDuration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			return err
		}
	}
}

// UseCases is the metrics decorator of every command and query: duration by
// name and outcome, and for queries where the answer came from.
func (m *Metrics) UseCases() rental.Middleware {
	return func(name string, next rental.Next) rental.Next {
		// The series of a use case that succeeds, looked up once: a page runs
		// several queries per request, and each label lookup hashes and locks.
		okTook := m.useCases.WithLabelValues(name, "ok")
		fromRedis := m.answers.WithLabelValues(name, query.FromRedis)
		return func(ctx context.Context, cmd any) (any, error) {
			start := time.Now()
			res, err := next(ctx, cmd)
			code := rental.ErrorCode(err)
			switch {
			case errors.Is(err, context.Canceled):
				m.useCases.WithLabelValues(name, "canceled").Observe(time.Since(start).Seconds())
			case code == "":
				okTook.Observe(time.Since(start).Seconds())
			default:
				m.useCases.WithLabelValues(name, code).Observe(time.Since(start).Seconds())
			}
			if b, ok := res.(query.Body); ok && err == nil {
				if b.Source == query.FromRedis {
					fromRedis.Inc()
				} else {
					m.answers.WithLabelValues(name, b.Source).Inc()
				}
			}
			return res, err
		}
	}
}

// Projected implements worker.Observer.
func (m *Metrics) Projected(e events.Envelope, o worker.Outcome, _ time.Duration) {
	m.projected.WithLabelValues(e.AggregateType, string(o)).Inc()
	if o == worker.Applied {
		m.lag.WithLabelValues(e.AggregateType).Observe(time.Since(e.OccurredAt).Seconds())
	}
}

// Failed implements worker.Observer.
func (m *Metrics) Failed(e events.Envelope, _ error) {
	m.projErrors.WithLabelValues(e.AggregateType).Inc()
}

// Relay observes the outbox relay (relay.Observer).
type Relay struct{ m *Metrics }

// Relay returns the relay's observer.
func (m *Metrics) Relay() Relay { return Relay{m} }

func (r Relay) Published(path string, n int) {
	r.m.relayEvents.WithLabelValues("published_" + path).Add(float64(n))
}
func (r Relay) Dropped(n int)   { r.m.relayEvents.WithLabelValues("left_to_sweep").Add(float64(n)) }
func (r Relay) Confirmed(n int) { r.m.relayEvents.WithLabelValues("confirmed").Add(float64(n)) }
func (r Relay) ConfirmFailed()  { r.m.relayFails.Inc() }

// CounterFunc registers a counter read from a function at scrape time (the
// near cache's hits and misses).
func (m *Metrics) CounterFunc(name, help string, fn func() float64) {
	m.Registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, fn))
}
