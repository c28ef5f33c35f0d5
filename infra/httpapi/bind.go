package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// decodeJSON reads the request body into v, a pointer to a struct. Problems
// become EINVALID errors naming the field: a wrong type, a key that is not
// exactly one of v's (encoding/json alone would match keys in any case), a
// key given twice, a string that is not UTF-8 (encoding/json alone would
// replace the bytes silently), or a body that is not one JSON object.
func decodeJSON(c echo.Context, v any) error {
	body, err := io.ReadAll(c.Request().Body)
	var tooLarge *echo.HTTPError
	if errors.As(err, &tooLarge) {
		return tooLarge // the body limit, found while reading a body of unknown length
	}
	if err != nil {
		return rental.InvalidField("body", "could not be read")
	}
	c.Set(bodyKey, body)
	if len(bytes.TrimSpace(body)) == 0 {
		return rental.InvalidField("body", "must be a JSON object")
	}
	if err := exactKeys(body, v); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if dec.More() {
		return rental.InvalidField("body", "must hold one JSON object")
	}
	return nil
}

func jsonProblem(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return rental.InvalidField("body", "must be a JSON object")
		}
		return rental.InvalidField(field, "must be a "+jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		return rental.InvalidField("body", "is not valid JSON")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return rental.InvalidField(field, "is not a known field")
	default:
		return rental.InvalidField("body", "is not valid JSON")
	}
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "whole number"
	case strings.HasPrefix(goKind, "float"):
		return "number"
	case goKind == "slice" || goKind == "array":
		return "list"
	case goKind == "string":
		return "string"
	case goKind == "bool":
		return "boolean"
	default:
		return goKind
	}
}

// exactKeys checks the top-level keys of a JSON object against the json
// names of struct *v's fields, byte for byte, and each value's encoding.
func exactKeys(body []byte, v any) error {
	known := map[string]bool{}
	t := reflect.TypeOf(v).Elem()
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "-" || !t.Field(i).IsExported() {
			continue
		}
		if name == "" {
			name = t.Field(i).Name
		}
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil {
		return jsonProblem(err)
	} else if d, ok := tok.(json.Delim); !ok || d != '{' {
		return rental.InvalidField("body", "must be a JSON object")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return jsonProblem(err)
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return jsonProblem(err)
		}
		switch {
		case !known[key]:
			return rental.InvalidField(key, "is not a known field (names are case-sensitive)")
		case seen[key]:
			return rental.InvalidField(key, "is given twice")
		case !utf8.Valid(raw):
			return rental.InvalidField(key, "must be valid UTF-8")
		}
		seen[key] = true
	}
	return nil
}

// pathID parses a UUID path parameter.
func pathID(c echo.Context, name string) (uuid.UUID, error) {
	id, ok := parseID(c.Param(name))
	if !ok {
		return uuid.Nil, rental.InvalidField(name, "must be a UUID (36 lower-case characters)")
	}
	return id, nil
}

// parseID accepts a UUID in its one canonical form only: lower-case,
// hyphenated, 36 characters. Other spellings of the same id (upper case,
// braces, urn:uuid:) would otherwise be separate Idempotency-Key scopes.
func parseID(s string) (uuid.UUID, bool) {
	id, err := uuid.Parse(s)
	return id, err == nil && id.String() == s
}

// queryInt parses an optional integer query parameter (0 when absent).
func queryInt(c echo.Context, name string, bad map[string]string) int64 {
	raw := c.QueryParam(name)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		bad[name] = "must be a whole number"
	}
	return n
}

// minVersion reads ?min_version= or the X-Min-Version header.
func minVersion(c echo.Context, bad map[string]string) int64 {
	if c.QueryParam("min_version") != "" {
		v := queryInt(c, "min_version", bad)
		if v < 0 {
			bad["min_version"] = "must be >= 0"
		}
		return v
	}
	if raw := c.Request().Header.Get("X-Min-Version"); raw != "" {
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || v < 0 {
			bad["X-Min-Version"] = "must be a whole number >= 0"
		}
		return v
	}
	return 0
}

// reached refuses an answer older than the min_version asked for. Such an
// answer came from the MySQL writer (a read model older than min_version is
// bypassed), so the aggregate has not reached that version: no write made
// it and nobody can be waiting for it. Refusing it means a made-up
// min_version gets nothing for the writer read it cost, instead of every
// read of a scraper or a cache-buster being answered by the writer.
func reached(c echo.Context, b query.Body, min int64) error {
	if b.Version >= min {
		return nil
	}
	field := "min_version"
	if c.QueryParam(field) == "" {
		field = "X-Min-Version"
	}
	return rental.InvalidField(field, "is beyond the version there is ("+strconv.FormatInt(b.Version, 10)+")")
}

// queryDate parses an optional ISO date query parameter (zero when absent).
func queryDate(c echo.Context, name string, bad map[string]string) time.Time {
	raw := strings.TrimSpace(c.QueryParam(name))
	if raw == "" {
		return time.Time{}
	}
	t, ok := command.ParseDate(raw)
	if !ok {
		bad[name] = command.BadDate
	}
	return t
}

// queryList reads a list parameter given as a=x,y or a=x&a=y.
func queryList(c echo.Context, name string) []string {
	var out []string
	for _, v := range c.QueryParams()[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}
