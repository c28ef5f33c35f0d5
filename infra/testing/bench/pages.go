package bench

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// PagesConfig shapes the web pages benchmark.
type PagesConfig struct {
	Listings int
	Load     Load
	Rounds   int // JSON then HTML this many times each, alternating
}

// Pages compares, in one run on one api replica, the listing detail and the
// search page drawn as HTML (infra/web) with the same reads as JSON
// (infra/httpapi).
//
// Before each timed run every path is fetched once, JSON and HTML alike:
// the runs measure pages already in the api's caches (a site's pages are
// read many times per change). What the first draw of an HTML page costs
// is timed in that warm-up and reported beside the table.
func Pages(ctx context.Context, env *Env, cfg PagesConfig) (Table, error) {
	api, base, err := env.StartPipeline(ctx, "pages", 1)
	if err != nil {
		return Table{}, err
	}
	listings, err := Seed(ctx, api, base.Catalog, 10, cfg.Listings)
	if err != nil {
		return Table{}, err
	}
	if err := waitProjected(ctx, api, listings); err != nil {
		return Table{}, err
	}
	var jsonDetail, htmlDetail, jsonSearch, htmlSearch []string
	for _, l := range listings {
		jsonDetail = append(jsonDetail, "/api/v1/listings/"+l.ID)
		htmlDetail = append(htmlDetail, "/listings/"+l.ID)
	}
	for _, city := range base.Catalog.Cities() {
		for _, sort := range []string{"new", "price_asc", "price_desc"} {
			q := fmt.Sprintf("?city=%s&sort=%s&page_size=20", city.Code, sort)
			jsonSearch = append(jsonSearch, "/api/v1/listings"+q)
			htmlSearch = append(htmlSearch, "/listings"+q)
		}
	}
	t := Table{
		Title: fmt.Sprintf("Pages: HTML beside JSON on one api replica, %d listings, wrk -t%d -c%d -d%s, side by side",
			cfg.Listings, cfg.Load.Threads, cfg.Load.Connections, cfg.Load.Duration),
		Header: []string{"read", "client", "as", "on the wire", "req/s (median run)", "p50", "p99", "errors", "HTML vs JSON, each round"},
	}
	rounds := max(cfg.Rounds, 1)
	// Two clients: wrk as it comes (no Accept-Encoding, like curl) and one
	// that sends what every browser sends, which the pages answer gzipped
	// (the JSON API does not compress: its answers go out as they are).
	clients := []struct {
		name    string
		headers map[string]string
	}{{"no Accept-Encoding", nil}, {"browser (gzip)", map[string]string{"Accept-Encoding": "gzip, deflate, br, zstd"}}}
	var firsts []string
	for _, ep := range []struct {
		name       string
		json, html []string
	}{{"listing detail", jsonDetail, htmlDetail}, {"search page (20 items)", jsonSearch, htmlSearch}} {
		for ci, cl := range clients {
			load := cfg.Load
			load.Headers = cl.headers
			var sizes [2]int
			for i, paths := range [][]string{ep.json, ep.html} {
				if sizes[i], err = bodySize(ctx, api+paths[0], cl.headers); err != nil {
					return Table{}, err
				}
				if ci == 0 {
					first, err := warmUp(ctx, api, paths)
					if err != nil {
						return Table{}, err
					}
					if i == 1 {
						firsts = append(firsts, fmt.Sprintf("%s: median %s, p90 %s over %d pages", ep.name, ms(first[len(first)/2]), ms(first[len(first)*9/10]), len(first)))
					}
				}
			}
			// JSON and HTML take turns, round after round, so a change in
			// the machine's load meets both; each round gives a ratio.
			runs := make([][2]Throughput, rounds)
			ratios := make([]string, rounds)
			for r := range rounds {
				for i, paths := range [][]string{ep.json, ep.html} {
					if runs[r][i], err = Wrk(ctx, load, api, paths); err != nil {
						return Table{}, err
					}
					time.Sleep(time.Second) // let the machine settle between runs
				}
				ratios[r] = pct(runs[r][1].RequestsPerSec, runs[r][0].RequestsPerSec)
			}
			for i, as := range []string{"JSON", "HTML"} {
				m := medianRun(runs, i)
				vs := ""
				if i == 1 {
					vs = strings.Join(ratios, " / ")
				}
				t.Add(ep.name, cl.name, as, fmt.Sprintf("%d B", sizes[i]), m.RequestsPerSec, m.P50, m.P99, m.Errors, vs)
			}
		}
	}
	t.Notes = append(t.Notes,
		"Target (DESIGN §9): each HTML page ≥ 50% of the same read as JSON.",
		"Every path was fetched once before its timed run (JSON and HTML alike). The first draw of an HTML page (its answers read and decoded, the content drawn and kept), one request at a time: "+strings.Join(firsts, "; ")+".",
		"What a first visit transfers is the firstvisit scenario's (a system seeded like `make up`'s, with photos).")
	return t, nil
}

// warmUp fetches every path once, one at a time, and returns how long each
// took, sorted.
func warmUp(ctx context.Context, base string, paths []string) ([]time.Duration, error) {
	out := make([]time.Duration, 0, len(paths))
	for _, p := range paths {
		start := time.Now()
		if _, err := bodySize(ctx, base+p); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	slices.Sort(out)
	return out, nil
}

// medianRun is the run of side as (0 JSON, 1 HTML) with the median
// requests/s over the rounds.
func medianRun(runs [][2]Throughput, as int) Throughput {
	side := make([]Throughput, len(runs))
	for r := range runs {
		side[r] = runs[r][as]
	}
	slices.SortFunc(side, func(a, b Throughput) int { return cmp.Compare(a.RequestsPerSec, b.RequestsPerSec) })
	return side[len(side)/2]
}
