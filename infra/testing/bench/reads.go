package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// ReadsConfig shapes the read benchmark.
type ReadsConfig struct {
	Listings int
	Load     Load
}

// Reads compares, in one run, the listing detail and a search page served
// normally (near cache → Redis), from Redis without the near cache, forced to
// MySQL, and an echo handler returning a static body of the same size (the
// ceiling).
func Reads(ctx context.Context, env *Env, cfg ReadsConfig) (Table, error) {
	normal, base, err := env.StartPipeline(ctx, "reads", 1)
	if err != nil {
		return Table{}, err
	}
	listings, err := Seed(ctx, normal, base.Catalog, 10, cfg.Listings)
	if err != nil {
		return Table{}, err
	}
	if err := waitProjected(ctx, normal, listings); err != nil {
		return Table{}, err
	}
	redisOnly, mysqlOnly, err := env.StartComparisons(ctx)
	if err != nil {
		return Table{}, err
	}

	detail := make([]string, len(listings))
	for i, l := range listings {
		detail[i] = "/api/v1/listings/" + l.ID
	}
	var search []string
	for _, city := range base.Catalog.Cities() {
		for _, sort := range []string{"new", "price_asc", "price_desc"} {
			search = append(search, fmt.Sprintf("/api/v1/listings?city=%s&sort=%s&page_size=20", city.Code, sort))
		}
	}
	t := Table{
		Title:  fmt.Sprintf("Reads: %d listings, wrk -t%d -c%d -d%s, side by side", cfg.Listings, cfg.Load.Threads, cfg.Load.Connections, cfg.Load.Duration),
		Header: []string{"endpoint", "served by", "req/s", "p50", "p99", "errors", "vs static", "vs MySQL"},
	}
	for _, ep := range []struct {
		name  string
		paths []string
	}{{"listing detail", detail}, {"search page (20 items)", search}} {
		size, err := bodySize(ctx, normal+ep.paths[0])
		if err != nil {
			return Table{}, err
		}
		static, err := staticServer(env, size)
		if err != nil {
			return Table{}, err
		}
		results := map[string]Throughput{}
		for _, srv := range []struct{ name, base string }{
			{"static echo (ceiling)", static}, {"api: near cache → Redis", normal},
			{"api: Redis, no near cache", redisOnly}, {"api: forced to MySQL", mysqlOnly},
		} {
			paths := ep.paths
			if srv.base == static {
				paths = []string{"/"}
			}
			r, err := Wrk(ctx, cfg.Load, srv.base, paths)
			if err != nil {
				return Table{}, err
			}
			results[srv.name] = r
			time.Sleep(time.Second) // let the machine settle between runs
		}
		ceiling, db := results["static echo (ceiling)"].RequestsPerSec, results["api: forced to MySQL"].RequestsPerSec
		for _, name := range []string{"static echo (ceiling)", "api: near cache → Redis", "api: Redis, no near cache", "api: forced to MySQL"} {
			r := results[name]
			t.Add(fmt.Sprintf("%s, %d B", ep.name, size), name, r.RequestsPerSec, r.P50, r.P99, r.Errors, pct(r.RequestsPerSec, ceiling), ratio(r.RequestsPerSec, db))
		}
	}
	t.Notes = append(t.Notes, "Targets (DESIGN §9): served normally ≥ 75% of the static ceiling and ≥ 3× the same endpoint forced to MySQL.")
	return t, nil
}

// waitProjected waits until every listing is served from Redis at its version.
func waitProjected(ctx context.Context, base string, listings []Owned) error {
	deadline := time.Now().Add(time.Minute)
	for _, l := range listings {
		for {
			req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/listings/%s?min_version=0", base, l.ID), nil)
			res, err := client.Do(req)
			if err == nil {
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.Header.Get("X-Read-Source") == "redis" && res.Header.Get("X-Version") == fmt.Sprint(l.Version) {
					break
				}
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("listing %s not projected within a minute", l.ID)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// bodySize fetches url and returns its body's length.
//
// With headers that name an Accept-Encoding the size is what went over the
// wire (Go's client then leaves the body encoded); without, the decoded size.
func bodySize(ctx context.Context, url string, headers ...map[string]string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	for _, h := range headers {
		for k, v := range h {
			req.Header.Set(k, v)
		}
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return len(b), err
}

// staticServer serves a fixed JSON body of size bytes from a bare echo handler.
func staticServer(env *Env, size int) (string, error) {
	body := make([]byte, size)
	for i := range body {
		body[i] = 'x'
	}
	copy(body, `{"x":"`)
	copy(body[size-2:], `"}`)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.GET("/", func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: e}
	go srv.Serve(ln)
	env.cleanup = append(env.cleanup, func() { srv.Close() })
	return "http://" + ln.Addr().String(), nil
}
