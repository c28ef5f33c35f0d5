package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// scrape fetches a /metrics page and parses it.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// value returns the sum of a family's samples whose labels include want
// (a histogram counts its observations), and whether any matched.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := families[name]
	if !ok {
		return 0, false
	}
	sum, found := 0.0, false
outer:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if have[k] != v {
				continue outer
			}
		}
		found = true
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum, found
}

func TestMetrics_apiAndWorkerExposeWhatOperatorsWatch(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	base := sys.Open()
	defer base.Close()
	w, err := system.NewWorker(base)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Built before the worker consumes: otherwise its first build replays the
	// listing's events, and the stream's copies of them arrive stale.
	if err := w.EnsureBuilt(ctx); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	workerMetrics := httptest.NewServer(w.Metrics.Handler())
	defer workerMetrics.Close()

	landlord, _ := sys.Register("metrics@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Watched", 3000))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	// The worker projects both events before anything reads the listing: a
	// read that misses falls back to MySQL and repairs the read model at
	// version 2, and the worker's writes would then be stale, not applied.
	testenv.Eventually(t, 10*time.Second, func() string {
		applied, _ := value(scrape(t, workerMetrics.URL), "rental_events_projected_total",
			map[string]string{"aggregate": "listing", "outcome": "applied"})
		if applied < 2 {
			return fmt.Sprintf("the worker applied %v listing events, want 2", applied)
		}
		return ""
	})
	waitVersion(t, sys.Client(), id, 2)
	sys.Client().Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=2", nil)
	sys.Client().Must(http.StatusOK, "GET", "/listings?city=beijing", nil)
	sys.Client().Do("GET", "/listings/"+id+"?min_version=99", nil)
	if r := sys.Client().Do("GET", "/nowhere/"+id, nil); r.Status != http.StatusNotFound {
		t.Fatalf("unknown route: %d", r.Status)
	}
	rdb := testenv.Redis(t, testenv.RedisAddr())
	rdb.XAdd(ctx, &goredis.XAddArgs{Stream: events.Stream(sys.Config.Prefix, events.AggregateListing), Values: map[string]any{"junk": "1"}})

	if r, err := http.Get(sys.URL + "/metrics"); err != nil || r.StatusCode != http.StatusNotFound {
		t.Fatalf("/metrics must not be served on the public port: %v %v", r, err)
	} else {
		r.Body.Close()
	}
	api := scrape(t, sys.DiagURL+"/metrics")
	for _, c := range []struct {
		name   string
		labels map[string]string
	}{
		{"rental_http_requests_total", map[string]string{"route": "/api/v1/listings", "method": "POST", "status": "201"}},
		{"rental_http_requests_total", map[string]string{"route": "/api/v1/listings/:id", "method": "GET", "status": "200"}},
		{"rental_http_requests_total", map[string]string{"status": "404"}},
		{"rental_http_request_duration_seconds", map[string]string{"route": "/api/v1/listings/:id", "method": "GET"}},
		{"rental_use_case_duration_seconds", map[string]string{"use_case": "CreateListing", "code": "ok"}},
		{"rental_use_case_duration_seconds", map[string]string{"use_case": "ListingDetail", "code": "ok"}},
		{"rental_query_answers_total", map[string]string{"query": "ListingDetail", "source": "redis"}},
		{"rental_query_answers_total", map[string]string{"query": "ListingDetail", "source": "mysql-writer"}},
		{"rental_query_answers_total", map[string]string{"query": "SearchListings"}},
		{"rental_near_cache_hits_total", nil},
		{"rental_near_cache_misses_total", nil},
		{"rental_relay_events_total", map[string]string{"what": "published_fast"}},
		{"go_goroutines", nil},
	} {
		if v, ok := value(api, c.name, c.labels); !ok || (v == 0 && !strings.HasPrefix(c.name, "rental_near_cache")) {
			t.Errorf("api /metrics: %s%v = %v (present %v)", c.name, c.labels, v, ok)
		}
	}
	if _, ok := api["rental_http_requests_total"]; ok {
		for _, m := range api["rental_http_requests_total"].Metric {
			for _, l := range m.Label {
				if l.GetName() == "route" && strings.Contains(l.GetValue(), id) {
					t.Errorf("a route label must be the template, never the path: %s", l.GetValue())
				}
			}
		}
	}

	listingStream := events.Stream(sys.Config.Prefix, events.AggregateListing)
	testenv.Eventually(t, 10*time.Second, func() string {
		m := scrape(t, workerMetrics.URL)
		for _, c := range []struct {
			name   string
			labels map[string]string
			min    float64
		}{
			{"rental_events_projected_total", map[string]string{"aggregate": "listing", "outcome": "applied"}, 2},
			{"rental_projection_lag_seconds", map[string]string{"aggregate": "listing"}, 2},
			{"rental_stream_length", map[string]string{"stream": listingStream}, 3},
			{"rental_stream_pending", map[string]string{"stream": listingStream, "group": events.ConsumerGroup}, 0},
			{"rental_stream_group_lag", map[string]string{"stream": listingStream, "group": events.ConsumerGroup}, 0},
			{"rental_outbox_rows", nil, 0},
			{"rental_outbox_oldest_age_seconds", nil, 0},
			{"rental_dead_letters", nil, 1},
			{"rental_read_model_rebuilding", map[string]string{"projection": "listings"}, 0},
		} {
			if v, ok := value(m, c.name, c.labels); !ok || v < c.min {
				return fmt.Sprintf("worker /metrics: %s%v = %v, want >= %v (present %v)", c.name, c.labels, v, c.min, ok)
			}
		}
		if _, failed := m["rental_backlog_scrape_errors"]; failed {
			return "a backlog source failed"
		}
		return ""
	})
}
