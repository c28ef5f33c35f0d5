package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

// Codes of HTTP's own refusals, beside the application's (rental.E*): no use
// case returns them, only the router and the body limit.
const (
	codeMethodNotAllowed = "method_not_allowed" // 405; the Allow header names the methods the path has
	codeTooLarge         = "too_large"          // 413
)

// statusOf is the one mapping from error codes to HTTP statuses.
var statusOf = map[string]int{
	rental.EINVALID:      http.StatusBadRequest,
	rental.EUNAUTHORIZED: http.StatusUnauthorized,
	rental.EFORBIDDEN:    http.StatusForbidden,
	rental.ENOTFOUND:     http.StatusNotFound,
	rental.ECONFLICT:     http.StatusConflict,
	rental.ETOOMANY:      http.StatusTooManyRequests,
	rental.EUNAVAILABLE:  http.StatusServiceUnavailable,
	rental.EINTERNAL:     http.StatusInternalServerError,
	codeMethodNotAllowed: http.StatusMethodNotAllowed,
	codeTooLarge:         http.StatusRequestEntityTooLarge,
}

// statusFor is the status an error is answered with.
func statusFor(err error) int {
	if s, ok := statusOf[rental.ErrorCode(ours(err))]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ours turns echo's own errors into application errors; others pass.
func ours(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return fromEcho(he)
	}
	return err
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

// errorHandler writes every error as {"error":{"code","message","fields"}}.
// Internal errors are logged with their detail and shown as "internal error".
// A 401 names the scheme (WWW-Authenticate), a 429 says when to try again
// (Retry-After, whole seconds).
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		err = ours(err)
		code := rental.ErrorCode(err)
		if code == rental.EINTERNAL && !errors.Is(err, context.Canceled) { // a client that left is not our failure
			log.Error("request failed", "method", methodOf(c), "path", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
		}
		h := c.Response().Header()
		switch code {
		case rental.EUNAUTHORIZED:
			h.Set(echo.HeaderWWWAuthenticate, `Bearer realm="rental"`)
		case rental.ETOOMANY, rental.EUNAVAILABLE:
			h.Set(echo.HeaderRetryAfter, strconv.Itoa(max(1, int(math.Ceil(rental.ErrorRetryAfter(err).Seconds())))))
		}
		body := errorBody{Error: errorDetail{Code: code, Message: rental.ErrorMessage(err), Fields: rental.ErrorFields(err)}}
		_ = c.JSON(statusFor(err), body)
	}
}

// fromEcho turns echo's own errors (no route, wrong method, body too large) into ours.
func fromEcho(he *echo.HTTPError) error {
	msg, _ := he.Message.(string)
	if msg == "" {
		msg = http.StatusText(he.Code)
	}
	switch {
	case he.Code == http.StatusNotFound:
		return rental.Errorf(rental.ENOTFOUND, "no such route")
	case he.Code == http.StatusUnauthorized:
		return rental.Errorf(rental.EUNAUTHORIZED, "%s", msg)
	case he.Code == http.StatusForbidden:
		return rental.Errorf(rental.EFORBIDDEN, "%s", msg)
	case he.Code == http.StatusMethodNotAllowed:
		return rental.Errorf(codeMethodNotAllowed, "this path does not take this method (see the Allow header)")
	case he.Code == http.StatusRequestEntityTooLarge:
		return &rental.Error{Code: codeTooLarge, Message: "the body is larger than " + bodyLimit + "B",
			Fields: map[string]string{"body": "is too large"}}
	case he.Code >= 400 && he.Code < 500:
		return rental.InvalidField("request", msg)
	default:
		if he.Internal != nil {
			return he.Internal
		}
		return errors.New(msg)
	}
}
