// Package rental holds what every side of the platform shares: the error type
// with its codes, the acting user, and the handler shape every use case has.
// It imports nothing of ours, so command, query, worker and infra can all use it.
package rental

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Error codes. The HTTP layer maps each to one status in one place
// (infra/httpapi/errors.go); nothing else should know about statuses.
const (
	EINVALID      = "invalid"           // 400: the request names a field it got wrong
	ENOTFOUND     = "not_found"         // 404
	ECONFLICT     = "conflict"          // 409: the state does not allow it (or it already exists)
	EUNAUTHORIZED = "unauthorized"      // 401: no valid session
	EFORBIDDEN    = "forbidden"         // 403: valid session, not allowed
	EINTERNAL     = "internal"          // 500: our fault; details are logged, never shown
	ETOOMANY      = "too_many_requests" // 429: too many attempts; Error.RetryAfter says when to try again
	EUNAVAILABLE  = "unavailable"       // 503: not finished in time; try again after Error.RetryAfter
)

// Error is an application error: a code the client can act on, a message a
// human can read and, for EINVALID, the offending fields with what is wrong.
type Error struct {
	Code    string
	Message string
	Fields  map[string]string
	// RetryAfter, for ETOOMANY and EUNAVAILABLE, is how long the caller must wait.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + " " + e.Fields[k]
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error naming the fields that are wrong.
// It returns nil when fields is empty, so callers can collect problems and
// return Invalid(problems) unconditionally.
func Invalid(fields map[string]string) error {
	if len(fields) == 0 {
		return nil
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return &Error{Code: EINVALID, Message: "invalid " + strings.Join(names, ", "), Fields: fields}
}

// InvalidField is Invalid for one field.
func InvalidField(field, problem string) error {
	return Invalid(map[string]string{field: problem})
}

// ErrorCode returns the code of an application error anywhere in err's chain,
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the message of an application error, or "internal
// error" for any other error, so internal details never reach a client.
func ErrorMessage(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Message
	default:
		return "internal error"
	}
}

// ErrorFields returns the offending fields of an EINVALID error, if any.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// TooMany returns an ETOOMANY error: the caller may try again after wait.
func TooMany(wait time.Duration, format string, args ...any) *Error {
	return &Error{Code: ETOOMANY, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// Unavailable returns an EUNAVAILABLE error: the work did not finish, the
// caller may try again after wait.
func Unavailable(wait time.Duration, format string, args ...any) *Error {
	return &Error{Code: EUNAVAILABLE, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
}

// ErrorRetryAfter returns how long an ETOOMANY or EUNAVAILABLE error asks the caller to wait (0 otherwise).
func ErrorRetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}
