package testenv

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// failures stands in for the test a client reports to, so these tests see
// what it would have failed with.
type failures struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (f *failures) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, fmt.Sprintf(format, args...))
}

func (f *failures) Helper() {}

// answering is a server that answers every request with one status, header
// set and body, whatever was asked: what a drifted handler would send.
func answering(t *testing.T, status int, body string, header ...string) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r-1")
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func clientAt(t *testing.T, url string) (*Client, *failures) {
	f := &failures{TB: t}
	return &Client{t: f, base: url + "/api/v1", contract: Contract(t)}, f
}

const areas = `{"cities":[{"code":"beijing","name":"北京","districts":[{"code":"chaoyang","name":"朝阳"}]}]}`

const session = `{"token":"t","user_id":"01a20a2c-ae6e-7ea7-9a3f-e1661885ea25","expires_at":"2030-01-01T00:00:00Z"}`

// The real validator against tiny hand-made answers: the client fails the
// test on each drift, naming the method, the path and the status.
func TestClient_failsTheTestOnAnAnswerTheDocumentDoesNotDescribe(t *testing.T) {
	for name, a := range map[string]struct {
		status int
		body   string
		header []string
		want   string
	}{
		"a field of another type":                {200, `{"cities":"beijing"}`, []string{"X-Read-Source", "memory"}, "/cities"},
		"an undocumented field":                  {200, `{"cities":[],"since":"2020"}`, []string{"X-Read-Source", "memory"}, "since"},
		"an undocumented status":                 {202, areas, []string{"X-Read-Source", "memory"}, "202"},
		"an error not in the error shape":        {500, `{"message":"boom"}`, nil, "error"},
		"an error code that is not its status's": {500, `{"error":{"code":"conflict","message":"x"}}`, nil, "/error/code"},
	} {
		c, f := clientAt(t, answering(t, a.status, a.body, a.header...))
		r := c.Do("GET", "/areas", nil)
		if r.Status != a.status {
			t.Fatalf("%s: the client saw %d, the server sent %d", name, r.Status, a.status)
		}
		if len(f.errs) != 1 {
			t.Errorf("%s: want one failure, got %q", name, f.errs)
			continue
		}
		if msg := f.errs[0]; !strings.Contains(msg, fmt.Sprintf("GET /api/v1/areas answered %d", a.status)) || !strings.Contains(msg, a.want) {
			t.Errorf("%s: the failure must name the method, path, status and %q: %s", name, a.want, msg)
		}
	}
}

func TestClient_passesAnAnswerAsDocumented(t *testing.T) {
	c, f := clientAt(t, answering(t, 200, areas, "X-Read-Source", "memory"))
	c.Must(200, "GET", "/areas", nil)
	if len(f.errs) != 0 {
		t.Fatalf("a documented answer failed: %q", f.errs)
	}
}

// A malformed request is held to the document too: refused, it passes; let
// through, it fails. Malformed lets the request go unchecked, never the answer.
func TestClient_malformedRequestsSkipOnlyTheRequestCheck(t *testing.T) {
	const badJSON = `{"login":`
	refused := answering(t, 400, `{"error":{"code":"invalid","message":"not JSON","fields":{"body":"is not JSON"}}}`,
		"Cache-Control", "no-store")
	accepted := answering(t, 201, session, "Cache-Control", "no-store")
	drifted := answering(t, 201, `{"token":1}`, "Cache-Control", "no-store")
	for _, e := range []struct {
		name      string
		url       string
		malformed bool
		failures  int
	}{
		{"checked, refused", refused, false, 0},
		{"checked, accepted", accepted, false, 1},
		{"malformed, refused", refused, true, 0},
		{"malformed, accepted", accepted, true, 0},
		{"malformed, an answer out of shape", drifted, true, 1},
	} {
		c, f := clientAt(t, e.url)
		if e.malformed {
			c = c.Malformed()
		}
		c.Do("POST", "/sessions", badJSON)
		if len(f.errs) != e.failures {
			t.Errorf("%s: want %d failures, got %q", e.name, e.failures, f.errs)
		}
	}
}

// Checked is the same check for a test's own HTTP client; what is not under
// /api/v1 (the pages, /healthz) is not the API's document's to judge.
func TestChecked_holdsAnyHTTPClientToTheDocument(t *testing.T) {
	url := answering(t, 200, `{"cities":[],"extra":true}`, "X-Read-Source", "memory")
	f := &failures{TB: t}
	hc := Checked(f, nil)
	for _, path := range []string{"/api/v1/areas", "/healthz", "/listings/1"} {
		res, err := hc.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	if len(f.errs) != 1 || !strings.Contains(f.errs[0], "GET /api/v1/areas answered 200") {
		t.Fatalf("want one failure, for /api/v1/areas: %q", f.errs)
	}
}
