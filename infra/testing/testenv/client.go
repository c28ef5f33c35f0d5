package testenv

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/zufang/rental/infra/httpapi"
	"github.com/zufang/rental/infra/testing/contract"
)

// Client calls the HTTP API as a user would. Every exchange is held to the
// API's OpenAPI document: one it does not describe fails the test.
type Client struct {
	t     testing.TB
	base  string
	Token string
	// contract is nil for an Unchecked client.
	contract   *contract.Contract
	answerOnly bool
}

// Client returns an anonymous client of the system's api.
func (s *System) Client() *Client { return s.clientOf(s.URL) }

func (s *System) clientOf(url string) *Client {
	return &Client{t: s.t, base: url + "/api/v1", contract: s.contract}
}

// loadContract reads the document once per test process: every system
// shares it, and its count of checked answers covers the whole run.
var loadContract = sync.OnceValues(func() (*contract.Contract, error) {
	doc, err := httpapi.OpenAPI()
	if err != nil {
		return nil, err
	}
	return contract.Load(doc)
})

// Contract is the API's OpenAPI document, loaded once for a process's clients.
func Contract(t testing.TB) *contract.Contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// CheckedAnswers is how many answers of the API the clients of this test
// process have held to the document so far (zero if none was made).
func CheckedAnswers() int64 {
	c, err := loadContract()
	if err != nil {
		return 0
	}
	return c.Checked()
}

// Checked returns an HTTP client whose every exchange under /api/v1 is held
// to the API's document, failing t on a mismatch; jar may be nil. For a test
// that speaks HTTP itself (pages with cookies, a multipart upload).
func Checked(t testing.TB, jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, Transport: &contract.Transport{Contract: Contract(t),
		Fail: func(err error) { t.Errorf("%v", err) }}} // Errorf: a request may run on another goroutine
}

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
	var sent []byte
	switch b := body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		sent = raw
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(sent)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return c.Send(req)
}

// Send sends a request made by the caller (a multipart upload, say), with
// the client's token unless it has an Authorization of its own.
func (c *Client) Send(req *http.Request) Response {
	c.t.Helper()
	if c.Token != "" && req.Header.Get("Authorization") == "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	hc := http.DefaultClient
	var mismatch error
	if c.contract != nil {
		hc = &http.Client{Transport: &contract.Transport{Contract: c.contract, AnswerOnly: c.answerOnly,
			Fail: func(err error) { mismatch = err }}}
	}
	res, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if mismatch != nil {
		// Reported here, not in the transport, so the failure names the test's
		// line; Errorf, as Do may run on another goroutine (PostAll).
		c.t.Errorf("%v", mismatch)
	}
	return Response{Status: res.StatusCode, Header: res.Header, Body: raw}
}

// Unchecked returns a copy of the client whose exchanges are not held to
// the contract: for a test that breaks the system on purpose (a tampered
// read model) and reads what the api then serves.
func (c *Client) Unchecked() *Client {
	u := *c
	u.contract = nil
	return &u
}

// Malformed returns a copy of the client whose requests are not held to the
// contract, only the answers: for a request made malformed on purpose that
// the validator cannot read. Most need no such thing: a request the
// document calls invalid passes the check when the server refused it (4xx).
func (c *Client) Malformed() *Client {
	u := *c
	u.answerOnly = true
	return &u
}

// URL is the address of path under the API (/api/v1).
func (c *Client) URL(path string) string { return c.base + path }

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
