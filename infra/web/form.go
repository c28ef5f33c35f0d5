package web

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/query"
)

// Form is a form as the user typed it and, after a refused command, the
// message of each field it got wrong. Templates draw fields with the
// "_field" fragment (field func), which keeps the value and ties the message
// to the input (aria-describedby).
type Form struct {
	Values url.Values
	Errors map[string]string
	// Message is a problem of the whole form (a conflict, a wrong login).
	Message string
	// Status is the HTTP status the form is drawn with: 200, or 400/409 after a refusal.
	Status int
}

// formOf is the form a request posted.
func formOf(c echo.Context) Form {
	vals, _ := c.FormParams()
	return Form{Values: vals}
}

// Get returns what was typed in a field.
func (f Form) Get(name string) string { return f.Values.Get(name) }

// Has reports whether a field (a checkbox, a multi-select) holds value.
func (f Form) Has(name, value string) bool {
	for _, v := range f.Values[name] {
		if v == value {
			return true
		}
	}
	return false
}

// Error is the message beside a field ("" when it is fine).
func (f Form) Error(name string) string { return f.Errors[name] }

// Failed reports whether the form was refused.
func (f Form) Failed() bool { return len(f.Errors) > 0 || f.Message != "" }

// withError returns the form with err's field messages (in Chinese where
// known) or, for an error without fields, err's message for the whole form.
func (f Form) withError(err error) Form {
	f.Status = status[rental.ErrorCode(err)]
	fields := rental.ErrorFields(err)
	if len(fields) > 0 {
		f.Errors = make(map[string]string, len(fields))
		for k, v := range fields {
			f.Errors[k] = zhMessage(v)
		}
		return f
	}
	f.Message = zhMessage(rental.ErrorMessage(err))
	return f
}

// decode reads a query's pre-encoded answer into v.
func decode(b query.Body, v any) error {
	if err := json.Unmarshal(b.JSON, v); err != nil {
		return fmt.Errorf("decoding a query answer for a page: %w", err)
	}
	return nil
}

// pathID parses a UUID path parameter; a bad one is a missing page.
func pathID(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, rental.Errorf(rental.ENOTFOUND, "no such page")
	}
	return id, nil
}

// version reads ?v=N, the version a redirect after a change carries so the
// page reads at least it (min_version); 0 when absent or malformed.
func version(c echo.Context) int64 {
	v, err := strconv.ParseInt(c.QueryParam("v"), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}

// intParam parses an optional whole number; bad collects the problem.
func intParam(raw, name string, bad map[string]string) int64 {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		bad[name] = "请输入整数"
	}
	return n
}

var keyNamespace = uuid.MustParse("0b6f1e6c-3f0d-4f5e-9a8e-2f8f5d1c7a41")

func uuidFor(scope string) uuid.UUID { return uuid.NewSHA1(keyNamespace, []byte(scope)) }

// localPath returns next when it is a path on this site (so a login cannot
// send the user elsewhere), or fallback.
func localPath(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return fallback
	}
	return next
}

// withVersion adds v=N to a local URL.
func withVersion(path string, v int64) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "v=" + strconv.FormatInt(v, 10)
}
