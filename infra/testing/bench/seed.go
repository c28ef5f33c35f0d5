package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/ops/demo"
)

// client is an HTTP client sized for benchmark concurrency.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}

// call sends a JSON request and decodes a JSON object answer.
func call(ctx context.Context, method, url, token string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return res.StatusCode, nil, err
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out)
	}
	return res.StatusCode, out, nil
}

// Owned is a listing with its landlord's token.
type Owned struct {
	ID      string
	Token   string
	Version int64
}

// Seed registers landlords and creates and publishes n listings through the
// api at base, returning them.
func Seed(ctx context.Context, base string, cat *rental.Catalog, landlords, n int) ([]Owned, error) {
	tokens := make([]string, landlords)
	for i := range tokens {
		email := fmt.Sprintf("bench-landlord-%d@example.com", i)
		if st, _, err := call(ctx, "POST", base+"/api/v1/users", "", map[string]any{"email": email, "password": "bench-password", "nickname": "b", "roles": []string{"landlord"}}); err != nil || st != http.StatusCreated {
			return nil, fmt.Errorf("registering %s: %d %v", email, st, err)
		}
		st, res, err := call(ctx, "POST", base+"/api/v1/sessions", "", map[string]any{"login": email, "password": "bench-password"})
		if err != nil || st != http.StatusCreated {
			return nil, fmt.Errorf("logging in %s: %d %v", email, st, err)
		}
		tokens[i], _ = res["token"].(string)
	}
	out := make([]Owned, n)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	next := make(chan int)
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for i := range next {
				token := tokens[i%landlords]
				st, res, err := call(ctx, "POST", base+"/api/v1/listings", token, demo.Listing(r, cat))
				if err != nil || st != http.StatusCreated {
					errs <- fmt.Errorf("creating a listing: %d %v %v", st, res, err)
					return
				}
				id, _ := res["id"].(string)
				st, res, err = call(ctx, "POST", base+"/api/v1/listings/"+id+"/publish", token, nil)
				if err != nil || st != http.StatusOK {
					errs <- fmt.Errorf("publishing a listing: %d %v %v", st, res, err)
					return
				}
				v, _ := res["version"].(float64)
				out[i] = Owned{ID: id, Token: token, Version: int64(v)}
			}
		}()
	}
	for i := range n {
		select {
		case next <- i:
		case err := <-errs:
			close(next)
			wg.Wait()
			return nil, err
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return nil, err
	default:
	}
	return out, nil
}
