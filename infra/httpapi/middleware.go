package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

const (
	headKey = "rental.head" // the request came as HEAD and is served as GET
	bodyKey = "rental.body" // the raw JSON body decodeJSON read
)

// headAsGet answers HEAD wherever GET is routed: the request is routed as a
// GET and its body is dropped. Nothing else registers HEAD routes.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method != http.MethodHead {
			return next(c)
		}
		c.Set(headKey, true)
		c.Request().Method = http.MethodGet
		res := c.Response()
		res.Writer = bodiless{res.Writer}
		return next(c)
	}
}

// bodiless drops what is written: the answer to a HEAD has headers only.
type bodiless struct{ http.ResponseWriter }

func (bodiless) Write(b []byte) (int, error) { return len(b), nil }

// methodOf is the method the client sent (HEAD stays HEAD in logs).
func methodOf(c echo.Context) string {
	if head, _ := c.Get(headKey).(bool); head {
		return http.MethodHead
	}
	return c.Request().Method
}

// requestID keeps a client's X-Request-Id only when it is short and plain
// (it is stored as the events' correlation id, at most 64 characters, and
// written into logs); any other gets a new id in its place.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(echo.HeaderXRequestID)
		if !plainID(id) {
			id = rental.NewID().String()
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		return next(c)
	}
}

// MaxRequestIDLength is the longest client X-Request-Id kept.
const MaxRequestIDLength = 64

func plainID(id string) bool {
	if id == "" || len(id) > MaxRequestIDLength {
		return false
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.'
		if !ok {
			return false
		}
	}
	return true
}

// securityHeaders are on every answer: browsers must not guess a type other
// than the one sent.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set("X-Content-Type-Options", "nosniff")
		return next(c)
	}
}

// noStore marks answers that carry a session or the caller's own data.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// requestBody is the raw body decodeJSON read (nil when none was read).
func requestBody(c echo.Context) []byte {
	b, _ := c.Get(bodyKey).([]byte)
	return b
}
