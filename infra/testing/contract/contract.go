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
	"strings"

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
}

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
	return &Contract{doc: doc, router: router, prefix: strings.TrimSuffix(doc.Servers[0].URL, "/"), errors: errSchema.Value}, nil
}

// Check holds one exchange to the document: the request as sent (its body
// apart, since sending consumed it) and the answer. It returns nil for a
// request outside the API's base path, which the document does not cover.
func (c *Contract) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	if req.URL.Path != c.prefix && !strings.HasPrefix(req.URL.Path, c.prefix+"/") {
		return nil
	}
	err := c.check(req, reqBody, status, header, body)
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s %s answered %d, against the OpenAPI contract: %w\nanswer: %.1000s", req.Method, req.URL.RequestURI(), status, err, body)
}

func (c *Contract) check(sent *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
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
		return c.unrouted(err, status, body, head)
	}
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
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	if reqErr != nil && (status < 400 || status >= 500) {
		return fmt.Errorf("the request is not one the document allows (%w), yet the server did not refuse it", reqErr)
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
