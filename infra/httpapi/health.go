package httpapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// health answers while the process runs.
func health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readiness runs every check and fails (503) when a required one fails. The
// api needs MySQL to serve; Redis away is reported as degraded, not unready:
// queries fall back to MySQL, and taking every replica out of the balancer
// because the cache is away would turn a slow site into a dead one.
func readiness(checks map[string]func(context.Context) error, required []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
		defer cancel()
		status := map[string]string{}
		ready := true
		for name, check := range checks {
			if err := check(ctx); err != nil {
				status[name] = "down: " + err.Error()
				if slices.Contains(required, name) {
					ready = false
				}
				continue
			}
			status[name] = "ok"
		}
		code := http.StatusOK
		status["status"] = "ready"
		if !ready {
			code, status["status"] = http.StatusServiceUnavailable, "unready"
		}
		return c.JSON(code, status)
	}
}
