// Package httpapi is the HTTP adapter: echo routes under /api/v1, bearer
// authentication, JSON binding that names bad fields, and the one mapping
// from error codes to statuses. Handlers here only translate HTTP to commands
// and queries; every rule lives in command/ and query/.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// Deps is what the HTTP layer needs.
type Deps struct {
	Commands command.Commands
	Queries  query.Queries
	Auth     Authenticator
	// Checks are the readiness checks by name; Required ones make /readyz fail.
	Checks   map[string]func(context.Context) error
	Required []string
	Log      *slog.Logger
	// Middleware runs around every route (metrics).
	Middleware []echo.MiddlewareFunc
	// Metrics, if set, is served on GET /metrics for Prometheus. Load
	// balancers must not expose it (infra/deploy/docker/haproxy, infra/deploy/local).
	Metrics http.Handler
}

// New returns the HTTP server's handler with every route.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(d.Middleware...)
	e.Use(accessLog(d.Log))
	// The pages (infra/web) set their own limits: a photo upload is larger.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: "1M",
		Skipper: func(c echo.Context) bool { return !strings.HasPrefix(c.Request().URL.Path, "/api/") }}))

	h := handlers{cmd: d.Commands, q: d.Queries}
	e.GET("/healthz", health)
	e.GET("/readyz", readiness(d.Checks, d.Required))
	if d.Metrics != nil {
		e.GET("/metrics", echo.WrapHandler(d.Metrics))
	}

	api := e.Group("/api/v1", authenticate(d.Auth))
	api.POST("/users", h.registerUser)
	api.POST("/sessions", h.openSession)
	api.DELETE("/sessions", h.closeSession, requireLogin)
	api.GET("/users/me", h.currentUser, requireLogin)
	api.PATCH("/users/me", h.editProfile, requireLogin)
	api.PUT("/users/me/password", h.changePassword, requireLogin)
	api.GET("/users/me/listings", h.myListings, requireLogin)
	api.GET("/users/me/orders", h.myOrders, requireLogin)
	api.GET("/users/me/favorites", h.myFavorites, requireLogin)
	api.PUT("/users/me/favorites/:listing_id", h.addFavorite, requireLogin)
	api.DELETE("/users/me/favorites/:listing_id", h.removeFavorite, requireLogin)
	api.GET("/users/me/history", h.myHistory, requireLogin)
	api.DELETE("/users/me/history", h.clearHistory, requireLogin)
	api.GET("/users/me/recommendations", h.recommendations, requireLogin)

	api.GET("/areas", h.areas)
	api.GET("/facilities", h.facilities)

	api.GET("/listings", h.searchListings)
	api.POST("/listings", h.createListing, requireLogin)
	api.GET("/listings/:id", h.listingDetail)
	api.PATCH("/listings/:id", h.editListing, requireLogin)
	api.DELETE("/listings/:id", h.deleteListing, requireLogin)
	api.POST("/listings/:id/publish", h.publishListing, requireLogin)
	api.POST("/listings/:id/unpublish", h.unpublishListing, requireLogin)
	api.POST("/listings/:id/images", h.addListingImage, requireLogin)
	api.DELETE("/listings/:id/images/:image_id", h.removeListingImage, requireLogin)
	api.GET("/listings/:id/availability", h.availability)
	api.GET("/listings/:id/reviews", h.listingReviews)
	api.GET("/listings/:id/similar", h.similarListings)

	api.POST("/orders", h.placeOrder, requireLogin)
	api.GET("/orders/:id", h.orderDetail, requireLogin)
	api.POST("/orders/:id/accept", h.acceptOrder, requireLogin)
	api.POST("/orders/:id/reject", h.rejectOrder, requireLogin)
	api.POST("/orders/:id/pay", h.payOrder, requireLogin)
	api.POST("/orders/:id/cancel", h.cancelOrder, requireLogin)
	api.POST("/orders/:id/review", h.reviewOrder, requireLogin)

	api.GET("/home", h.home)
	api.GET("/search/suggest", h.suggest)
	api.GET("/stats/:city/:district", h.districtStats)
	return e
}

type handlers struct {
	cmd command.Commands
	q   query.Queries
}

// idempotencyNamespace scopes Idempotency-Key values to this API.
var idempotencyNamespace = uuid.MustParse("5c3f6f3e-8a4b-4d0e-9a51-7c2b1e0d9f10")

// meta is what every command carries from its request. A client that sends
// Idempotency-Key gets the same command id for the same key, so a retried
// request returns the first result instead of acting twice.
func meta(c echo.Context) command.Meta {
	m := command.Meta{Actor: actorOf(c), CommandID: rental.NewID(), CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if key := c.Request().Header.Get("Idempotency-Key"); key != "" {
		scope := m.Actor.String() + "\x00" + c.Request().Method + " " + c.Path() + "\x00" + strings.Join(c.ParamValues(), "/") + "\x00" + key
		m.CommandID, m.MayRepeat = uuid.NewSHA1(idempotencyNamespace, []byte(scope)), true
	}
	return m
}

// writeBody sends a query's pre-encoded answer.
func writeBody(c echo.Context, b query.Body) error {
	c.Response().Header().Set("X-Read-Source", b.Source)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b.JSON)
}

// accessLog logs every request at debug level and slow ones at warn.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			took := time.Since(start)
			level := slog.LevelDebug
			if took > time.Second {
				level = slog.LevelWarn
			}
			if log.Enabled(c.Request().Context(), level) {
				status := c.Response().Status
				if err != nil {
					status = statusOf[rental.ErrorCode(err)]
				}
				log.Log(c.Request().Context(), level, "http request", "method", c.Request().Method,
					"route", c.Path(), "status", status, "took", took,
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			}
			return err
		}
	}
}
