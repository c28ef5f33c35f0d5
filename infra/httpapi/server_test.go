package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/testing/contract"
	"github.com/zufang/rental/query"
)

// These tests run the real echo server over stub use cases: what they pin
// is HTTP (statuses, headers, binding), not the rules behind it.

var knownUser = uuid.MustParse("01a20a2c-ae6e-7ea7-9a3f-e1661885ea25")

type stubAuth struct{}

func (stubAuth) Authenticate(_ context.Context, hash []byte) (rental.Actor, error) {
	if bytes.Equal(hash, command.HashToken("good-token")) {
		return rental.Actor{UserID: knownUser, Roles: []rental.Role{rental.RoleTenant, rental.RoleLandlord}}, nil
	}
	return rental.Actor{}, rental.Errorf(rental.EUNAUTHORIZED, "the token is unknown, expired or revoked")
}

// stubs are the use cases a test server answers with; what they saw is kept.
type stubs struct {
	mu       sync.Mutex
	metas    []command.Meta
	sessions []command.OpenSession
	areasErr error
}

func (s *stubs) seen() []command.Meta {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]command.Meta(nil), s.metas...)
}

func body(json string) query.Body { return query.Body{JSON: []byte(json), Source: query.FromMemory} }

func testServer(t *testing.T, st *stubs, logTo io.Writer) *httptest.Server {
	t.Helper()
	if logTo == nil {
		logTo = io.Discard
	}
	log := slog.New(slog.NewTextHandler(logTo, &slog.HandlerOptions{Level: slog.LevelDebug}))
	result := func(m command.Meta) command.Result {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.metas = append(st.metas, m)
		return command.Result{ID: knownUser, Version: 1}
	}
	cmds := command.Commands{
		RegisterUser: rental.HandlerFunc[command.RegisterUser, command.Result](func(_ context.Context, c command.RegisterUser) (command.Result, error) {
			return result(c.Meta), nil
		}),
		OpenSession: rental.HandlerFunc[command.OpenSession, command.SessionOpened](func(_ context.Context, c command.OpenSession) (command.SessionOpened, error) {
			st.mu.Lock()
			st.sessions = append(st.sessions, c)
			st.mu.Unlock()
			return command.SessionOpened{Token: "t", UserID: knownUser}, nil
		}),
		PublishListing: rental.HandlerFunc[command.PublishListing, command.Result](func(_ context.Context, c command.PublishListing) (command.Result, error) {
			return result(c.Meta), nil
		}),
		PlaceOrder: rental.HandlerFunc[command.PlaceOrder, command.Result](func(_ context.Context, c command.PlaceOrder) (command.Result, error) {
			return result(c.Meta), nil
		}),
	}
	qs := query.Queries{
		Areas: rental.HandlerFunc[query.Areas, query.Body](func(context.Context, query.Areas) (query.Body, error) {
			if st.areasErr != nil {
				return query.Body{}, st.areasErr
			}
			return body(`{"cities":[]}`), nil
		}),
		CurrentUser: rental.HandlerFunc[query.CurrentUser, query.Body](func(context.Context, query.CurrentUser) (query.Body, error) {
			return body(`{"id":"` + knownUser.String() + `","version":1,"nickname":"n","roles":["tenant"],` +
				`"created_at":"2030-01-01T00:00:00Z","updated_at":"2030-01-01T00:00:00Z"}`), nil
		}),
	}
	srv := httptest.NewServer(New(Deps{Commands: cmds, Queries: qs, Auth: stubAuth{}, Log: log}))
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, srv *httptest.Server, method, path, body string, headers ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if err := apiContract(t).Check(req, []byte(body), res.StatusCode, res.Header, raw); err != nil {
		t.Errorf("%v", err)
	}
	return answer{res.StatusCode, res.Header, string(raw)}
}

// loadContract reads the document once for every exchange of these tests.
var loadContract = sync.OnceValues(func() (*contract.Contract, error) {
	doc, err := OpenAPI()
	if err != nil {
		return nil, err
	}
	return contract.Load(doc)
})

func apiContract(t *testing.T) *contract.Contract {
	t.Helper()
	c, err := loadContract()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestErrors_anInternalErrorHidesItsDetail(t *testing.T) {
	st := &stubs{areasErr: errors.New("dial tcp 10.1.2.3:3306: password=hunter2 refused")}
	var logged bytes.Buffer
	srv := testServer(t, st, &logged)
	a := call(t, srv, "GET", "/api/v1/areas", "")
	if a.status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500: %s", a.status, a.body)
	}
	if strings.Contains(a.body, "hunter2") || strings.Contains(a.body, "10.1.2.3") {
		t.Fatalf("the client must not see the internal detail: %s", a.body)
	}
	if !strings.Contains(a.body, `"code":"internal"`) || !strings.Contains(a.body, `"message":"internal error"`) {
		t.Fatalf("want the internal error shape: %s", a.body)
	}
	if !strings.Contains(logged.String(), "hunter2") {
		t.Fatalf("the detail must be logged for operators: %s", logged.String())
	}
}

func TestErrors_aWrongMethodIs405NamingTheAllowedOnes(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	a := call(t, srv, "DELETE", "/api/v1/areas", "")
	if a.status != http.StatusMethodNotAllowed || !strings.Contains(a.body, `"code":"method_not_allowed"`) {
		t.Fatalf("want 405 method_not_allowed, got %d: %s", a.status, a.body)
	}
	if !strings.Contains(a.header.Get("Allow"), "GET") {
		t.Fatalf("Allow must name GET, got %q", a.header.Get("Allow"))
	}
}

func TestErrors_aBodyTooLargeIs413(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	big := `{"login":"` + strings.Repeat("x", 2<<20) + `"}`
	a := call(t, srv, "POST", "/api/v1/sessions", big)
	if a.status != http.StatusRequestEntityTooLarge || !strings.Contains(a.body, `"code":"too_large"`) {
		t.Fatalf("want 413 too_large, got %d: %.200s", a.status, a.body)
	}
	// Without a Content-Length (chunked), the limit is found while reading.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/sessions", io.MultiReader(strings.NewReader(big)))
	req.ContentLength = -1
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("a chunked body too large: %d, want 413", res.StatusCode)
	}
}

func TestHEAD_answersWhereGETDoesWithoutABody(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	for _, path := range []string{"/api/v1/areas", "/healthz"} {
		a := call(t, srv, "HEAD", path, "")
		if a.status != http.StatusOK || a.body != "" {
			t.Fatalf("HEAD %s: %d %q, want 200 without a body", path, a.status, a.body)
		}
		if !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
			t.Fatalf("HEAD %s: Content-Type %q", path, a.header.Get("Content-Type"))
		}
	}
	if a := call(t, srv, "HEAD", "/api/v1/sessions", ""); a.status != http.StatusMethodNotAllowed {
		t.Fatalf("HEAD where only POST exists: %d, want 405", a.status)
	}
}

func TestHeaders_nosniffEverywhereNoStoreOnSessionsAndMe(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	for _, c := range []struct {
		method, path, body string
		noStore            bool
	}{
		{"GET", "/api/v1/areas", "", false},
		{"GET", "/api/v1/nowhere", "", false},
		{"POST", "/api/v1/sessions", `{"login":"a@b.cn","password":"long-enough"}`, true},
		{"GET", "/api/v1/users/me", "", true},
	} {
		a := call(t, srv, c.method, c.path, c.body, "Authorization", "Bearer good-token")
		if a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s %s: no nosniff (%d)", c.method, c.path, a.status)
		}
		if got := a.header.Get("Cache-Control") == "no-store"; got != c.noStore {
			t.Fatalf("%s %s: Cache-Control %q, want no-store=%v", c.method, c.path, a.header.Get("Cache-Control"), c.noStore)
		}
	}
	if a := call(t, srv, "GET", "/api/v1/users/me", ""); a.status != http.StatusUnauthorized || a.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("a refused /users/me is not stored either: %d %q", a.status, a.header.Get("Cache-Control"))
	}
}

func TestAuth_aMalformedAuthorizationHeaderIs401(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	for _, h := range []string{"Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "Token good-token", "Bearergood-token", "Bearer bad-token"} {
		a := call(t, srv, "GET", "/api/v1/areas", "", "Authorization", h)
		if a.status != http.StatusUnauthorized || !strings.Contains(a.body, `"code":"unauthorized"`) {
			t.Fatalf("Authorization %q: %d %s, want 401 unauthorized", h, a.status, a.body)
		}
		if !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Fatalf("Authorization %q: a 401 names the scheme, got %q", h, a.header.Get("WWW-Authenticate"))
		}
	}
	for _, h := range []string{"Bearer good-token", "bearer good-token", "BEARER good-token"} {
		if a := call(t, srv, "GET", "/api/v1/users/me", "", "Authorization", h); a.status != http.StatusOK {
			t.Fatalf("Authorization %q: %d, want 200 (the scheme is case-insensitive)", h, a.status)
		}
	}
}

func TestRequestID_onlyAShortSafeIDIsKept(t *testing.T) {
	st := &stubs{}
	srv := testServer(t, st, nil)
	id := "01a20a2c-ae6e-7ea7-9a3f-e1661885ea25"
	for _, c := range []struct {
		sent string
		kept bool
	}{
		{"abc-123_x.y", true},
		{strings.Repeat("r", 64), true},
		{strings.Repeat("r", 65), false},
		{strings.Repeat("r", 300), false},
		{"bad id with spaces", false},
		{"id<script>", false},
		{"", false},
	} {
		a := call(t, srv, "POST", "/api/v1/listings/"+id+"/publish", "", "Authorization", "Bearer good-token", "X-Request-Id", c.sent)
		if a.status != http.StatusOK {
			t.Fatalf("X-Request-Id %q: %d %s", c.sent, a.status, a.body)
		}
		got := a.header.Get("X-Request-Id")
		metas := st.seen()
		corr := metas[len(metas)-1].CorrelationID
		if corr != got {
			t.Fatalf("the command's correlation id %q differs from the answer's X-Request-Id %q", corr, got)
		}
		if (got == c.sent) != c.kept || got == "" || len(got) > 64 {
			t.Fatalf("X-Request-Id %q answered as %q, want kept=%v and at most 64 characters", c.sent, got, c.kept)
		}
	}
}

func TestJSON_keysMatchExactlyAndOnce(t *testing.T) {
	st := &stubs{}
	srv := testServer(t, st, nil)
	for _, c := range []struct{ body, field string }{
		{`{"Login":"a@b.cn","password":"long-enough"}`, "Login"},
		{`{"login":"a@b.cn","PASSWORD":"long-enough"}`, "PASSWORD"},
		{`{"login":"a@b.cn","login":"c@d.cn","password":"long-enough"}`, "login"},
		{`{"login":"a@b.cn","password":"long-` + "\xff" + `enough"}`, "password"},
		{`["login"]`, "body"},
	} {
		a := call(t, srv, "POST", "/api/v1/sessions", c.body)
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, `"`+c.field+`":`) {
			t.Fatalf("%s: %d %s, want 400 naming %s", c.body, a.status, a.body, c.field)
		}
	}
	if len(st.sessions) != 0 {
		t.Fatalf("no refused body may reach the command: %v", st.sessions)
	}
	call(t, srv, "POST", "/api/v1/sessions", `{"login":"a@b.cn","password":"long-enough"}`)
	if len(st.sessions) != 1 || st.sessions[0].Login != "a@b.cn" {
		t.Fatalf("an exact body reaches the command: %v", st.sessions)
	}
}

func TestIDs_onlyCanonicalUUIDsAreAccepted(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	id := "01a20a2c-ae6e-7ea7-9a3f-e1661885ea25"
	for _, bad := range []string{strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id, strings.ReplaceAll(id, "-", "")} {
		a := call(t, srv, "POST", "/api/v1/listings/"+bad+"/publish", "", "Authorization", "Bearer good-token")
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, `"id":`) {
			t.Fatalf("id %q: %d %s, want 400 naming id", bad, a.status, a.body)
		}
		a = call(t, srv, "POST", "/api/v1/orders", `{"listing_id":"`+bad+`","start_date":"2030-01-01","end_date":"2030-03-01"}`, "Authorization", "Bearer good-token")
		if a.status != http.StatusBadRequest || !strings.Contains(a.body, `"listing_id":`) {
			t.Fatalf("listing_id %q: %d %s, want 400 naming listing_id", bad, a.status, a.body)
		}
	}
	if a := call(t, srv, "POST", "/api/v1/listings/"+id+"/publish", "", "Authorization", "Bearer good-token"); a.status != http.StatusOK {
		t.Fatalf("the canonical form is accepted: %d %s", a.status, a.body)
	}
}

func TestIdempotencyKey_theCommandCarriesAFingerprintOfTheRequest(t *testing.T) {
	st := &stubs{}
	srv := testServer(t, st, nil)
	send := func(body string) command.Meta {
		call(t, srv, "POST", "/api/v1/users", body, "Idempotency-Key", "k1")
		m := st.seen()
		return m[len(m)-1]
	}
	a := send(`{"email":"a@b.cn","password":"long-enough","nickname":"a"}`)
	b := send(`{"email":"a@b.cn","password":"long-enough","nickname":"a"}`)
	c := send(`{"email":"c@d.cn","password":"long-enough","nickname":"c"}`)
	if !a.MayRepeat || a.CommandID != b.CommandID || !bytes.Equal(a.RequestHash, b.RequestHash) {
		t.Fatalf("the same request under the same key is the same command: %+v %+v", a, b)
	}
	if len(a.RequestHash) == 0 || bytes.Equal(a.RequestHash, c.RequestHash) {
		t.Fatalf("another body under the same key has another fingerprint: %x %x", a.RequestHash, c.RequestHash)
	}
}

func TestAccessLog_recordsEchosOwnErrorsWithTheirStatus(t *testing.T) {
	var logged bytes.Buffer
	srv := testServer(t, &stubs{}, &logged)
	call(t, srv, "GET", "/api/v1/nowhere", "")
	call(t, srv, "DELETE", "/api/v1/areas", "")
	out := logged.String()
	if !strings.Contains(out, "status=404") || !strings.Contains(out, "status=405") || strings.Contains(out, "status=500") {
		t.Fatalf("the access log must show 404 and 405, never 500:\n%s", out)
	}
	// The status it logs for an error is the one the error handler answers:
	// echo's own 400 (a binder's, say) and 413 are theirs, not 500.
	for _, code := range []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge} {
		if got := statusFor(echo.NewHTTPError(code, "from echo")); got != code {
			t.Fatalf("echo's own %d is logged as %d", code, got)
		}
	}
}

func TestReadyz_onTheDiagnosticsHandlerNamesNoRawError(t *testing.T) {
	var logged bytes.Buffer
	diag := httptest.NewServer(Diagnostics(DiagDeps{
		Checks: map[string]func(context.Context) error{
			"mysql": func(context.Context) error {
				return errors.New("dial tcp 10.9.9.9:3306: access denied for user rental")
			},
			"redis": func(context.Context) error { return nil },
		},
		Required: []string{"mysql"},
		Log:      slog.New(slog.NewTextHandler(&logged, nil)),
	}))
	defer diag.Close()
	res, err := http.Get(diag.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("a required check down is 503, got %d", res.StatusCode)
	}
	if strings.Contains(string(raw), "10.9.9.9") || strings.Contains(string(raw), "access denied") {
		t.Fatalf("/readyz must not echo the raw error: %s", raw)
	}
	if !strings.Contains(string(raw), `"mysql":"down"`) || !strings.Contains(string(raw), `"redis":"ok"`) {
		t.Fatalf("/readyz names each check's state: %s", raw)
	}
	if !strings.Contains(logged.String(), "access denied") {
		t.Fatalf("the raw error is logged: %s", logged.String())
	}
	srv := testServer(t, &stubs{}, nil)
	for _, path := range []string{"/readyz", "/metrics"} {
		if a := call(t, srv, "GET", path, ""); a.status != http.StatusNotFound {
			t.Fatalf("%s must not be served on the public port: %d", path, a.status)
		}
	}
}

func TestReadyz_redisAwayIsDegradedAndAHungCheckIsDownNotAHang(t *testing.T) {
	ready := func(checks map[string]func(context.Context) error) (int, map[string]string) {
		t.Helper()
		diag := httptest.NewServer(Diagnostics(DiagDeps{Checks: checks, Required: []string{"mysql"},
			Log: slog.New(slog.NewTextHandler(io.Discard, nil))}))
		defer diag.Close()
		res, err := http.Get(diag.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var got map[string]string
		if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, got
	}
	ok := func(context.Context) error { return nil }
	down := func(context.Context) error { return errors.New("connection refused") }
	hung := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }

	if code, got := ready(map[string]func(context.Context) error{"mysql": ok, "redis": ok}); code != http.StatusOK ||
		got["status"] != "ready" || got["mysql"] != "ok" || got["redis"] != "ok" {
		t.Fatalf("everything up: %d %v, want 200 ready", code, got)
	}
	// Queries fall back to MySQL: the balancer keeps a replica whose Redis is away.
	if code, got := ready(map[string]func(context.Context) error{"mysql": ok, "redis": down}); code != http.StatusOK ||
		got["status"] != "ready" || got["redis"] != "down" {
		t.Fatalf("redis away: %d %v, want 200 ready with redis down", code, got)
	}
	// A check that never answers is cut off (1 s) and counts as down.
	if code, got := ready(map[string]func(context.Context) error{"mysql": hung, "redis": ok}); code != http.StatusServiceUnavailable ||
		got["status"] != "unready" || got["mysql"] != "down" {
		t.Fatalf("mysql hung: %d %v, want 503 unready with mysql down", code, got)
	}
}
