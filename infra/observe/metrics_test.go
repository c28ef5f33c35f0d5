package observe_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	dto "github.com/prometheus/client_model/go"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/observe"
	"github.com/zufang/rental/query"
	"github.com/zufang/rental/worker"
)

// exercised returns metrics with a sample in every series family, as a busy
// api and worker would have.
func exercised(t *testing.T) *observe.Metrics {
	m := observe.NewMetrics()
	e := echo.New()
	e.Use(m.HTTP())
	e.GET("/x/:id", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x/1", nil))
	q := rental.Decorate[string, query.Body](rental.HandlerFunc[string, query.Body](func(context.Context, string) (query.Body, error) {
		return query.Body{Source: query.FromRedis}, nil
	}), "Q", m.UseCases())
	_, _ = q.Handle(context.Background(), "")
	ev := events.Envelope{AggregateType: "listing", OccurredAt: time.Now()}
	m.Projected(ev, worker.Applied, time.Millisecond)
	m.Failed(ev, errors.New("x"))
	r := m.Relay()
	r.Published("fast", 1)
	r.Confirmed(1)
	r.Dropped(1)
	r.ConfirmFailed()
	m.CounterFunc("near_cache_hits_total", "h", func() float64 { return 1 })
	m.CounterFunc("near_cache_misses_total", "m", func() float64 { return 1 })
	m.WatchBacklog(observe.Backlog{
		Outbox: func(context.Context) (int64, time.Duration, error) { return 1, time.Second, nil },
		Streams: func(context.Context) ([]observe.StreamStat, error) {
			return []observe.StreamStat{{Stream: "s", Length: 1, Group: "g", Pending: 1, Lag: 1}}, nil
		},
		DeadLetters: func(context.Context) (int64, error) { return 1, nil },
		Rebuilding:  func(context.Context) (map[string]bool, error) { return map[string]bool{"listings": true}, nil },
	})
	return m
}

func TestDashboard_queriesOnlyMetricsWeExport(t *testing.T) {
	families, err := exercised(t).Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range families {
		have[f.GetName()] = true
		if f.GetType() == dto.MetricType_HISTOGRAM {
			for _, s := range []string{"_bucket", "_count", "_sum"} {
				have[f.GetName()+s] = true
			}
		}
	}
	raw, err := os.ReadFile("../deploy/docker/grafana/dashboards/rental.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatal(err)
	}
	name := regexp.MustCompile(`\b(?:rental|go|process)_[a-z_]+\b`)
	used := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, n := range name.FindAllString(target.Expr, -1) {
				used++
				if !have[n] {
					t.Errorf("panel %q queries %s, which no process exports", p.Title, n)
				}
			}
		}
	}
	if used < 20 {
		t.Fatalf("the dashboard queries %d metrics", used)
	}
}
