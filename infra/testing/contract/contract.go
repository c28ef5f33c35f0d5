// Package contract holds HTTP exchanges with the API to its OpenAPI document
// (infra/httpapi/openapi.yaml), with kin-openapi's validator. The tests'
// HTTP clients check every exchange, so the document cannot drift from the
// code: an answer the document does not describe (a status it does not list
// for the operation, a field or header it does not have, a wrong type), a
// route it does not have, or a request it calls invalid that the server
// accepted, each fails the test that made it.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Contract is a loaded document, safe for concurrent use.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
	prefix string // the server URL the document's paths are under
	errors *openapi3.Schema
	seen   string // RENTAL_CONTRACT_SEEN: a file each checked exchange is noted in
	// checked counts the answers held to the document, to say what a run covered.
	checked atomic.Int64
}

// SeenEnv names a file that, when set, gets a line "METHOD path status" for
// every exchange checked (appended, so every test process of a run can
// share it): which operations and answers the tests reach.
const SeenEnv = "RENTAL_CONTRACT_SEEN"

// Load reads and validates an OpenAPI document (JSON or YAML).
func Load(document []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(document)
	if err != nil {
		return nil, fmt.Errorf("loading the OpenAPI document: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the OpenAPI document is not valid: %w", err)
	}
	if len(doc.Servers) != 1 {
		return nil, fmt.Errorf("the OpenAPI document must name one server (the API's base path), it names %d", len(doc.Servers))
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the OpenAPI document: %w", err)
	}
	errSchema := doc.Components.Schemas["Error"]
	if errSchema == nil || errSchema.Value == nil {
		return nil, errors.New("the OpenAPI document has no components.schemas.Error")
	}
	return &Contract{doc: doc, router: router, prefix: strings.TrimSuffix(doc.Servers[0].URL, "/"), errors: errSchema.Value,
		seen: os.Getenv(SeenEnv)}, nil
}

// Check holds one exchange to the document: the request as sent (its body
// apart, since sending consumed it) and the answer. It returns nil for a
// request outside the API's base path, which the document does not cover.
func (c *Contract) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	return c.checkIn(req, reqBody, status, header, body, true)
}

// CheckAnswer holds only the answer to the document, not the request: for
// a request made malformed on purpose (bad JSON, an oversize body, an
// attacker's input) that the validator cannot read. Check holds such a
// request too, and passes it when the server refused it with a 4xx; this is
// for the few the validator chokes on.
func (c *Contract) CheckAnswer(req *http.Request, status int, header http.Header, body []byte) error {
	return c.checkIn(req, nil, status, header, body, false)
}

// Checked is how many answers under the API's base path this contract has
// held to the document, passed or failed.
func (c *Contract) Checked() int64 { return c.checked.Load() }

func (c *Contract) checkIn(req *http.Request, reqBody []byte, status int, header http.Header, body []byte, withRequest bool) error {
	if req.URL.Path != c.prefix && !strings.HasPrefix(req.URL.Path, c.prefix+"/") {
		return nil
	}
	c.checked.Add(1)
	err := c.check(req, reqBody, status, header, body, withRequest)
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s answered %d, against the OpenAPI contract: %w\nanswer: %.1000s", req.Method, req.URL.RequestURI(), status, err, body)
}

func (c *Contract) check(sent *http.Request, reqBody []byte, status int, header http.Header, body []byte, withRequest bool) error {
	ctx := context.Background()
	// The router matches the server URL against the request's path, so the
	// request it sees has no scheme or host.
	req := sent.Clone(ctx)
	req.URL = &url.URL{Path: sent.URL.Path, RawPath: sent.URL.RawPath, RawQuery: sent.URL.RawQuery}
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	head := req.Method == http.MethodHead
	if head { // HEAD answers wherever GET does, without a body
		req.Method = http.MethodGet
	}
	route, pathParams, err := c.router.FindRoute(req)
	if err != nil {
		c.note(sent.Method, "(no operation)", status)
		return c.unrouted(err, status, body, head)
	}
	c.note(sent.Method, route.Path, status)
	if rb := route.Operation.RequestBody; rb != nil && rb.Value.Content.Get("application/json") != nil &&
		len(reqBody) > 0 && !strings.HasPrefix(req.Header.Get("Content-Type"), "multipart/") {
		// The API reads a body as JSON whatever its Content-Type says (curl -d
		// sends form-urlencoded), and the document says so.
		req.Header.Set("Content-Type", "application/json")
	}
	opts := &openapi3filter.Options{
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    bearerSent,
	}
	opts.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string {
		return "at /" + strings.Join(e.JSONPointer(), "/") + ": " + e.Reason
	})
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: opts}
	if withRequest {
		reqErr := errors.Join(openapi3filter.ValidateRequest(ctx, in), undocumentedQuery(route, req.URL.Query()))
		if reqErr != nil && (status < 400 || status >= 500) {
			return fmt.Errorf("the request is not one the document allows (%w), yet the server did not refuse it", reqErr)
		}
	}
	if head {
		if route.Operation.Responses.Status(status) == nil {
			return fmt.Errorf("status %d is not documented for GET %s", status, route.Path)
		}
		return nil
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: status, Header: header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: opts}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return err
	}
	return nil
}

// unrouted checks the answer to a request the document has no operation
// for: it must be the API's 404 (no such path) or 405 (a path that does not
// take the method), in the one error shape.
func (c *Contract) unrouted(routeErr error, status int, body []byte, head bool) error {
	want := map[string]int{routers.ErrPathNotFound.Error(): http.StatusNotFound,
		routers.ErrMethodNotAllowed.Error(): http.StatusMethodNotAllowed}
	var re *routers.RouteError
	if !errors.As(routeErr, &re) {
		return routeErr
	}
	code, ok := want[re.Reason]
	if !ok {
		return fmt.Errorf("finding the operation: %w", routeErr)
	}
	if status != code {
		return fmt.Errorf("the document has no such operation (%s), so the answer must be %d, not %d", re.Reason, code, status)
	}
	if head {
		return nil // no body to look at
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("the answer is not JSON: %w", err)
	}
	if err := c.errors.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
		return fmt.Errorf("the answer is not the error shape: %w", err)
	}
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.Unmarshal(body, &e)
	if wantCode := map[int]string{http.StatusNotFound: "not_found", http.StatusMethodNotAllowed: "method_not_allowed"}[code]; e.Error.Code != wantCode {
		return fmt.Errorf("a %d must have the code %q, not %q", code, wantCode, e.Error.Code)
	}
	return nil
}

// undocumentedQuery names the query parameters of the request that the
// operation does not list. The validator lets them pass, as OpenAPI does;
// here one is a request the document does not allow, so a handler that reads
// a parameter the document lacks fails the test that sends it.
func undocumentedQuery(route *routers.Route, query url.Values) error {
	known := map[string]bool{}
	for _, params := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range params {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				known[p.Value.Name] = true
			}
		}
	}
	var errs []error
	for name := range query {
		if !known[name] {
			errs = append(errs, fmt.Errorf("the query parameter %q is not in the document for this operation", name))
		}
	}
	return errors.Join(errs...)
}

// bearerSent is the document's one security scheme: a request meets it when
// it carries an Authorization header (whether the token is good is the
// server's to say, with 401).
func bearerSent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearer" {
		return fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get("Authorization") == "" {
		return errors.New("no Authorization header")
	}
	return nil
}

func (c *Contract) note(method, path string, status int) {
	if c.seen == "" {
		return
	}
	f, err := os.OpenFile(c.seen, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return // a note is for a person reading it; the check goes on without
	}
	defer f.Close()
	_, _ = fmt.Fprintf(f, "%s %s %d\n", method, path, status)
}
