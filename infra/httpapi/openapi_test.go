package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/zufang/rental/infra/photos"
)

// loadOpenAPI reads the served document with kin-openapi's loader and
// validates it as the OpenAPI version it declares.
func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	raw, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading the OpenAPI document: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the OpenAPI document is not valid: %v", err)
	}
	return doc
}

func TestOpenAPI_isAValidOpenAPI31Document(t *testing.T) {
	doc := loadOpenAPI(t)
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		t.Fatalf("the document declares OpenAPI %q, want 3.1.0", doc.OpenAPI)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/api/v1" {
		t.Fatalf("the paths are relative to /api/v1, servers say %v", doc.Servers)
	}
}

// everyPhotoIsAbsent lets New register the upload route; no test here uploads.
type everyPhotoIsAbsent struct{ photos.Store }

// TestOpenAPI_everyRouteHasAPathAndEveryPathARoute compares the operations of
// the document with the routes the server registers under /api/v1, both ways.
func TestOpenAPI_everyRouteHasAPathAndEveryPathARoute(t *testing.T) {
	doc := loadOpenAPI(t)
	e := New(Deps{Auth: stubAuth{}, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Photos: everyPhotoIsAbsent{}})
	param := regexp.MustCompile(`:([a-z_]+)`)
	routed := map[string]bool{}
	for _, r := range e.Routes() {
		path, ok := strings.CutPrefix(r.Path, "/api/v1")
		if !ok || r.Method == echoRouteNotFound {
			continue
		}
		routed[r.Method+" "+param.ReplaceAllString(path, "{$1}")] = true
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			documented[method+" "+path] = true
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
		}
	}
	for _, r := range sortedKeys(routed) {
		if !documented[r] {
			t.Errorf("the route %s is not in openapi.yaml", r)
		}
	}
	for _, d := range sortedKeys(documented) {
		if !routed[d] {
			t.Errorf("openapi.yaml has %s, which the server does not route", d)
		}
	}
	if len(routed) < 40 {
		t.Fatalf("only %d routes under /api/v1: the test is not seeing the server's routes", len(routed))
	}
}

// echoRouteNotFound is the method echo lists its not-found handlers under.
const echoRouteNotFound = "echo_route_not_found"

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func TestOpenAPI_isServedAsJSON(t *testing.T) {
	srv := testServer(t, &stubs{}, nil)
	a := call(t, srv, "GET", "/api/v1/openapi.json", "")
	if a.status != http.StatusOK || !strings.HasPrefix(a.header.Get("Content-Type"), "application/json") {
		t.Fatalf("GET /api/v1/openapi.json: %d %q", a.status, a.header.Get("Content-Type"))
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(a.body), &doc); err != nil {
		t.Fatalf("the served document is not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Paths["/listings/{id}"]["get"] == nil {
		t.Fatalf("the served document is not the contract: openapi %q, %d paths", doc.OpenAPI, len(doc.Paths))
	}
}
