package contract

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zufang/rental/infra/httpapi"
)

// These pin what the contract catches, on hand-made exchanges against the
// API's real document: a test client that checked nothing would pass them
// only if they asserted nothing.

func load(t *testing.T) *Contract {
	t.Helper()
	doc, err := httpapi.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	c, err := Load(doc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type exchange struct {
	method, target, reqBody string
	reqHeader               []string
	status                  int
	header                  []string
	body                    string
}

func (e exchange) check(t *testing.T, c *Contract) error {
	t.Helper()
	req, err := http.NewRequest(e.method, "http://127.0.0.1:9/"+strings.TrimPrefix(e.target, "/"), strings.NewReader(e.reqBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(e.reqHeader); i += 2 {
		req.Header.Set(e.reqHeader[i], e.reqHeader[i+1])
	}
	h := http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r-1"}}
	for i := 0; i+1 < len(e.header); i += 2 {
		h.Set(e.header[i], e.header[i+1])
	}
	return c.Check(req, []byte(e.reqBody), e.status, h, []byte(e.body))
}

const areas = `{"cities":[{"code":"beijing","name":"北京","districts":[{"code":"chaoyang","name":"朝阳"}]}]}`

func TestCheck_passesAnAnswerAsDocumented(t *testing.T) {
	c := load(t)
	for _, e := range []exchange{
		{method: "GET", target: "/api/v1/areas", status: 200, header: []string{"X-Read-Source", "memory"}, body: areas},
		{method: "HEAD", target: "/api/v1/areas", status: 200, header: []string{"X-Read-Source", "memory"}},
		{method: "POST", target: "/api/v1/sessions", reqBody: `{"login":"a@b.cn","password":"x"}`, status: 201,
			header: []string{"Cache-Control", "no-store"},
			body:   `{"token":"t","user_id":"01a20a2c-ae6e-7ea7-9a3f-e1661885ea25","expires_at":"2030-01-01T00:00:00Z"}`},
		{method: "GET", target: "/api/v1/users/me", status: 401, header: []string{"WWW-Authenticate", `Bearer realm="rental"`},
			body: `{"error":{"code":"unauthorized","message":"log in first"}}`},
		{method: "GET", target: "/api/v1/nowhere", status: 404, body: `{"error":{"code":"not_found","message":"no such route"}}`},
		{method: "DELETE", target: "/api/v1/areas", status: 405,
			body: `{"error":{"code":"method_not_allowed","message":"this path does not take this method"}}`},
		{method: "GET", target: "/healthz", status: 200, body: `anything: not the API`},
	} {
		if err := e.check(t, c); err != nil {
			t.Errorf("%s %s: %v", e.method, e.target, err)
		}
	}
}

func TestCheck_failsWhatTheDocumentDoesNotDescribe(t *testing.T) {
	c := load(t)
	for name, e := range map[string]exchange{
		"a field the document does not have": {method: "GET", target: "/api/v1/areas", status: 200,
			header: []string{"X-Read-Source", "memory"}, body: `{"cities":[],"extra":1}`},
		"a required field missing": {method: "GET", target: "/api/v1/areas", status: 200,
			header: []string{"X-Read-Source", "memory"}, body: `{}`},
		"a wrong type": {method: "GET", target: "/api/v1/areas", status: 200,
			header: []string{"X-Read-Source", "memory"}, body: `{"cities":"beijing"}`},
		"a required header missing": {method: "GET", target: "/api/v1/areas", status: 200, body: areas},
		"a header value outside its enum": {method: "GET", target: "/api/v1/areas", status: 200,
			header: []string{"X-Read-Source", "disk"}, body: areas},
		"a status not listed for the operation": {method: "GET", target: "/api/v1/areas", status: 409,
			body: `{"error":{"code":"conflict","message":"x"}}`},
		"an error code that is not its status's": {method: "GET", target: "/api/v1/listings", status: 400,
			body: `{"error":{"code":"conflict","message":"x","fields":{"page":"bad"}}}`},
		"invalid without fields": {method: "GET", target: "/api/v1/listings", status: 400,
			body: `{"error":{"code":"invalid","message":"x"}}`},
		"a body key the document does not have, accepted": {method: "POST", target: "/api/v1/sessions",
			reqBody: `{"Login":"a@b.cn","password":"x"}`, status: 201, header: []string{"Cache-Control", "no-store"},
			body: `{"token":"t","user_id":"01a20a2c-ae6e-7ea7-9a3f-e1661885ea25","expires_at":"2030-01-01T00:00:00Z"}`},
		"a private operation without a token, answered": {method: "GET", target: "/api/v1/users/me/history", status: 200,
			header: []string{"X-Read-Source", "redis", "Cache-Control", "no-store"}, body: `{"items":[],"total":0,"page":1,"page_size":20}`},
		"a query parameter of the wrong type, accepted": {method: "GET", target: "/api/v1/listings?page=two", status: 200,
			header: []string{"X-Read-Source", "redis"}, body: `{"items":[],"total":0,"page":1,"page_size":20}`},
		"an undocumented query parameter, accepted": {method: "GET", target: "/api/v1/listings?colour=red", status: 200,
			header: []string{"X-Read-Source", "redis"}, body: `{"items":[],"total":0,"page":1,"page_size":20}`},
		"an unknown path answered": {method: "GET", target: "/api/v1/nowhere", status: 200, body: `{}`},
		"a wrong method answered 404": {method: "DELETE", target: "/api/v1/areas", status: 404,
			body: `{"error":{"code":"not_found","message":"x"}}`},
		"HEAD with a status GET does not list": {method: "HEAD", target: "/api/v1/areas", status: 409},
	} {
		if err := e.check(t, c); err == nil {
			t.Errorf("%s: passed %s %s %d %s", name, e.method, e.target, e.status, e.body)
		} else if !strings.Contains(err.Error(), e.method+" "+e.target) {
			t.Errorf("%s: the failure must name the method and the path: %v", name, err)
		}
	}
}

func TestCheck_aRequestTheDocumentRefusesMayBeRefused(t *testing.T) {
	c := load(t)
	e := exchange{method: "POST", target: "/api/v1/sessions", reqBody: `{"Login":"a@b.cn","password":"x"}`, status: 400,
		header: []string{"Cache-Control", "no-store"},
		body:   `{"error":{"code":"invalid","message":"invalid Login","fields":{"Login":"is not a known field"}}}`}
	if err := e.check(t, c); err != nil {
		t.Fatalf("a refused invalid request is what the contract asks: %v", err)
	}
}
