package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

// statusOf is the one mapping from error codes to HTTP statuses.
var statusOf = map[string]int{
	rental.EINVALID:      http.StatusBadRequest,
	rental.EUNAUTHORIZED: http.StatusUnauthorized,
	rental.EFORBIDDEN:    http.StatusForbidden,
	rental.ENOTFOUND:     http.StatusNotFound,
	rental.ECONFLICT:     http.StatusConflict,
	rental.EINTERNAL:     http.StatusInternalServerError,
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
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		var he *echo.HTTPError
		if errors.As(err, &he) {
			err = fromEcho(he)
		}
		code := rental.ErrorCode(err)
		if code == rental.EINTERNAL && !errors.Is(err, context.Canceled) { // a client that left is not our failure
			log.Error("request failed", "method", c.Request().Method, "path", c.Path(),
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID), "err", err)
		}
		body := errorBody{Error: errorDetail{Code: code, Message: rental.ErrorMessage(err), Fields: rental.ErrorFields(err)}}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(statusOf[code])
			return
		}
		_ = c.JSON(statusOf[code], body)
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
		return rental.Errorf(rental.ENOTFOUND, "%s", msg)
	case he.Code == http.StatusUnauthorized:
		return rental.Errorf(rental.EUNAUTHORIZED, "%s", msg)
	case he.Code == http.StatusForbidden:
		return rental.Errorf(rental.EFORBIDDEN, "%s", msg)
	case he.Code == http.StatusMethodNotAllowed:
		return rental.Errorf(rental.ENOTFOUND, "no such route for this method")
	case he.Code == http.StatusRequestEntityTooLarge:
		return rental.InvalidField("body", "is too large")
	case he.Code >= 400 && he.Code < 500:
		return rental.InvalidField("request", msg)
	default:
		if he.Internal != nil {
			return he.Internal
		}
		return errors.New(msg)
	}
}
