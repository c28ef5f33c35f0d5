package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"
)

// Client calls the HTTP API as a user would.
type Client struct {
	t     testing.TB
	base  string
	Token string
}

// Client returns an anonymous client of the system's api.
func (s *System) Client() *Client { return &Client{t: s.t, base: s.URL + "/api/v1"} }

// Response is a finished request.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map (or fails the test).
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response %d is not a JSON object: %s", r.Status, r.Body)
	}
	return m
}

// Do sends a request with an optional JSON body and extra headers (name, value pairs).
func (c *Client) Do(method, path string, body any, headers ...string) Response {
	c.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// Must sends a request and fails the test unless the status is want.
func (c *Client) Must(want int, method, path string, body any, headers ...string) map[string]any {
	c.t.Helper()
	r := c.Do(method, path, body, headers...)
	if r.Status != want {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.JSON(c.t)
}

// Register creates an account with the given roles and returns a client
// logged in as it, and the user's id.
func (s *System) Register(email string, roles ...string) (*Client, string) {
	s.t.Helper()
	c := s.Client()
	res := c.Must(http.StatusCreated, "POST", "/users", map[string]any{
		"email": email, "password": "correct-horse", "nickname": "n", "roles": roles,
	})
	login := c.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": email, "password": "correct-horse"})
	c.Token = login["token"].(string)
	return c, res["id"].(string)
}

// PostAll sends every body to path at once, spread over the clients (released
// together, so they race), and counts the answers by status.
func PostAll(clients []*Client, path string, bodies []map[string]any) map[int]int {
	statuses := make([]int, len(bodies))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, b := range bodies {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			ready.Done()
			<-start
			statuses[i] = clients[i%len(clients)].Do("POST", path, b).Status
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	counts := map[int]int{}
	for _, s := range statuses {
		counts[s]++
	}
	return counts
}
