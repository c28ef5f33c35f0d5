package httpapi

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v4"
)

// openAPIYAML is the contract of the JSON API. It is written by hand, as
// YAML for the comments and anchors; the tests hold every answer to it.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// OpenAPI returns the OpenAPI document of the JSON API, as JSON: what
// GET /api/v1/openapi.json serves and what the tests validate against.
func OpenAPI() ([]byte, error) {
	var doc any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("reading openapi.yaml: %w", err)
	}
	doc, err := jsonable(doc)
	if err != nil {
		return nil, fmt.Errorf("reading openapi.yaml: %w", err)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("encoding the OpenAPI document: %w", err)
	}
	return out, nil
}

// jsonable turns what YAML decoded into what JSON can encode: every mapping
// key must be a string (a YAML key such as 200 decodes as a number).
func jsonable(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			e, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[k] = e
		}
		return t, nil
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			key, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("a key %v (%T) that is not a string: quote it", k, k)
			}
			e, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			m[key] = e
		}
		return m, nil
	case []any:
		for i, e := range t {
			e, err := jsonable(e)
			if err != nil {
				return nil, err
			}
			t[i] = e
		}
		return t, nil
	default:
		return v, nil
	}
}

// openAPI serves the document, encoded once when the server is built. It is
// embedded and its test reads it, so failing here means a build whose test
// was not run: the route answers 500 and the log says why.
func openAPI(log *slog.Logger) echo.HandlerFunc {
	doc, err := OpenAPI()
	if err != nil {
		log.Error("the OpenAPI document cannot be served", "err", err)
	}
	return func(c echo.Context) error {
		if err != nil {
			return err
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, doc)
	}
}
