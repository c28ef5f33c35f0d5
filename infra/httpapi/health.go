package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"
)

// health answers while the process runs.
func health(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// DiagDeps is what the diagnostics server needs.
type DiagDeps struct {
	// Checks are the readiness checks by name; Required ones make /readyz fail.
	Checks   map[string]func(context.Context) error
	Required []string
	Log      *slog.Logger
	Metrics  http.Handler // nil serves no /metrics
}

// Diagnostics is the handler of the diagnostics address (RENTAL_DIAG_ADDR):
// /healthz, /readyz and /metrics. It listens apart from the API so that only
// the load balancer's health checks and Prometheus reach it; the public
// port serves neither readiness detail nor metrics.
func Diagnostics(d DiagDeps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.Pre(headAsGet)
	e.Use(securityHeaders)
	e.GET("/healthz", health)
	e.GET("/readyz", readiness(d.Checks, d.Required, d.Log))
	if d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(d.Metrics))
	}
	return e
}

// readiness runs every check and fails (503) when a required one fails. The
// api needs MySQL to serve; Redis away is reported as degraded, not unready:
// queries fall back to MySQL, and taking every replica out of the balancer
// because the cache is away would turn a slow site into a dead one. A
// check's error is logged, never answered: it may name hosts and users.
func readiness(checks map[string]func(context.Context) error, required []string, log *slog.Logger) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), time.Second)
		defer cancel()
		status := map[string]string{}
		ready := true
		for name, check := range checks {
			if err := check(ctx); err != nil {
				log.Warn("readiness check failed", "check", name, "err", err)
				status[name] = "down"
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
