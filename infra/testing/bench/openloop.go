package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// OpenLoop sends GETs of paths (drawn at random) to base at a fixed rate
// for d, whatever the answers' speed, and measures each request's latency
// from the moment it was meant to be sent, not from when it went out.
//
// wrk is a closed loop: each of its connections waits for an answer before
// it sends the next request, so at saturation latency is connections ÷
// throughput, and a stall holds back the requests that would have met it
// (coordinated omission). A site's users do not wait for each other: an
// open loop at a rate below saturation measures what they meet. Requests
// run on their own goroutines (at most maxInFlight at once; past that a
// request waits for a place, and its wait counts in its latency); a request
// unanswered after wrk's 2 s timeout counts as an error, as wrk counts it.
func OpenLoop(ctx context.Context, base string, paths []string, rate float64, d time.Duration, seed uint64) Throughput {
	const maxInFlight, timeout = 512, 2 * time.Second
	client := &http.Client{Timeout: timeout, Transport: &http.Transport{MaxIdleConnsPerHost: maxInFlight, MaxConnsPerHost: maxInFlight}}
	defer client.CloseIdleConnections()
	r := rand.New(rand.NewPCG(seed, 7))
	n := int(rate * d.Seconds())
	interval := time.Duration(float64(time.Second) / rate)
	var (
		mu        sync.Mutex
		latencies = make([]time.Duration, 0, n)
		failed    int
		wg        sync.WaitGroup
	)
	places := make(chan struct{}, maxInFlight)
	start := time.Now()
	for i := range n {
		intended := start.Add(time.Duration(i) * interval)
		if wait := time.Until(intended); wait > 0 {
			select {
			case <-ctx.Done():
				return Throughput{}
			case <-time.After(wait):
			}
		}
		path := paths[r.IntN(len(paths))]
		places <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-places }()
			ok := get(ctx, client, base+path)
			took := time.Since(intended)
			mu.Lock()
			defer mu.Unlock()
			if !ok {
				failed++
				return
			}
			latencies = append(latencies, took)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(latencies)
	t := Throughput{RequestsPerSec: float64(len(latencies)) / elapsed.Seconds(), Errors: failed}
	if len(latencies) > 0 {
		t.P50 = latencies[len(latencies)/2]
		t.P99 = latencies[min(len(latencies)-1, len(latencies)*99/100)]
	}
	return t
}

// get reports whether a GET of url was answered 2xx in time.
func get(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return false
	}
	return res.StatusCode/100 == 2
}
