package observe

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Backlog is what the pipeline holds at a moment, read when Prometheus scrapes.
type Backlog struct {
	// Outbox returns the outbox rows not yet confirmed published and the age of the oldest.
	Outbox func(ctx context.Context) (rows int64, oldest time.Duration, err error)
	// Streams returns each event stream's length and, per consumer group, its pending and undelivered entries.
	Streams func(ctx context.Context) ([]StreamStat, error)
	// DeadLetters returns how many dead letters wait.
	DeadLetters func(ctx context.Context) (int64, error)
	// Rebuilding returns, per read model, whether a replay is building a new generation.
	Rebuilding func(ctx context.Context) (map[string]bool, error)
	Log        *slog.Logger
}

// StreamStat is one stream, and one consumer group on it ("" when it has none).
type StreamStat struct {
	Stream  string
	Length  int64
	Group   string
	Pending int64 // delivered, not acknowledged
	Lag     int64 // not delivered yet (counted up to a bound)
	More    bool  // more not delivered than the bound
}

var (
	outboxRowsDesc = prometheus.NewDesc(Namespace+"_outbox_rows", "Outbox rows not yet confirmed published.", nil, nil)
	outboxAgeDesc  = prometheus.NewDesc(Namespace+"_outbox_oldest_age_seconds",
		"Age of the oldest outbox row (0 when empty): how long an event has waited to be published.", nil, nil)
	streamLenDesc = prometheus.NewDesc(Namespace+"_stream_length", "Entries in an event stream.", []string{"stream"}, nil)
	pendingDesc   = prometheus.NewDesc(Namespace+"_stream_pending", "Entries delivered to a consumer group and not acknowledged.",
		[]string{"stream", "group"}, nil)
	groupLagDesc = prometheus.NewDesc(Namespace+"_stream_group_lag", "Entries not yet delivered to a consumer group (counted up to 10,000).",
		[]string{"stream", "group"}, nil)
	deadDesc       = prometheus.NewDesc(Namespace+"_dead_letters", "Events parked in the dead-letter stream (rentalctl dlq).", nil, nil)
	rebuildingDesc = prometheus.NewDesc(Namespace+"_read_model_rebuilding", "1 while a replay builds a new generation of the read model.",
		[]string{"projection"}, nil)
	scrapeErrDesc = prometheus.NewDesc(Namespace+"_backlog_scrape_errors", "Backlog sources that failed at this scrape.", []string{"source"}, nil)
)

// WatchBacklog registers gauges read from b at every scrape.
func (m *Metrics) WatchBacklog(b Backlog) { m.Registry.MustRegister(backlogCollector{b}) }

type backlogCollector struct{ b Backlog }

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{outboxRowsDesc, outboxAgeDesc, streamLenDesc, pendingDesc, groupLagDesc, deadDesc, rebuildingDesc, scrapeErrDesc} {
		ch <- d
	}
}

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	failed := func(source string, err error) {
		if c.b.Log != nil {
			c.b.Log.Warn("reading backlog metrics failed", "source", source, "err", err)
		}
		ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, 1, source)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if c.b.Outbox != nil {
		if rows, oldest, err := c.b.Outbox(ctx); err != nil {
			failed("outbox", err)
		} else {
			gauge(outboxRowsDesc, float64(rows))
			gauge(outboxAgeDesc, max(0, oldest.Seconds()))
		}
	}
	if c.b.Streams != nil {
		if stats, err := c.b.Streams(ctx); err != nil {
			failed("streams", err)
		} else {
			seen := map[string]bool{}
			for _, s := range stats {
				if !seen[s.Stream] {
					seen[s.Stream] = true
					gauge(streamLenDesc, float64(s.Length), s.Stream)
				}
				if s.Group != "" {
					gauge(pendingDesc, float64(s.Pending), s.Stream, s.Group)
					gauge(groupLagDesc, float64(s.Lag), s.Stream, s.Group)
				}
			}
		}
	}
	if c.b.DeadLetters != nil {
		if n, err := c.b.DeadLetters(ctx); err != nil {
			failed("dead_letters", err)
		} else {
			gauge(deadDesc, float64(n))
		}
	}
	if c.b.Rebuilding != nil {
		if r, err := c.b.Rebuilding(ctx); err != nil {
			failed("read_models", err)
		} else {
			for p, building := range r {
				v := 0.0
				if building {
					v = 1
				}
				gauge(rebuildingDesc, v, p)
			}
		}
	}
}
