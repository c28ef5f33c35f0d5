// Package httpapi is the HTTP adapter: echo routes under /api/v1, bearer
// authentication, JSON binding that names bad fields, and the one mapping
// from error codes to statuses. Handlers here only translate HTTP to commands
// and queries; every rule lives in command/ and query/.
package httpapi

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/photos"
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
	// Photos serves GET /photos/{hash} and takes the uploads of listing photos.
	Photos photos.Store
	// Metrics is served by Diagnostics on GET /metrics for Prometheus.
	Metrics http.Handler
}

// New returns the HTTP server's handler with every route. Diagnostics
// (/readyz, /metrics) are not here: they have a listen address of their own
// (Diagnostics), which only the load balancer's checks and Prometheus reach.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = errorHandler(d.Log)
	// Behind the load balancer the caller's address is the last untrusted
	// X-Forwarded-For hop (loopback and private hops are trusted); a header
	// a client wrote itself cannot pose as another address.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.Pre(headAsGet)
	e.Use(middleware.Recover())
	e.Use(requestID, securityHeaders)
	e.Use(d.Middleware...)
	e.Use(accessLog(d.Log))
	// The pages (infra/web) and photo uploads set their own limits: a photo is larger.
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: bodyLimit,
		Skipper: func(c echo.Context) bool { return !strings.HasPrefix(c.Request().URL.Path, "/api/") || IsUpload(c) }}))

	h := handlers{cmd: d.Commands, q: d.Queries, photos: d.Photos}
	e.GET("/healthz", health)

	// Routes get their middleware one by one, not from Group.Use: a group's
	// middleware registers a catch-all route, which would answer a wrong
	// method on a known path with 404 instead of 405.
	api := e.Group("/api/v1")
	auth := authenticate(d.Auth)
	public := func(method, path string, hf echo.HandlerFunc) { api.Add(method, path, hf, auth) }
	private := func(method, path string, hf echo.HandlerFunc) { api.Add(method, path, hf, auth, requireLogin) }
	// Sessions and the caller's own data must not be kept by any cache.
	personal := func(method, path string, hf echo.HandlerFunc, m ...echo.MiddlewareFunc) {
		api.Add(method, path, hf, append([]echo.MiddlewareFunc{noStore, auth}, m...)...)
	}
	const get, post, put, patch, del = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete

	public(post, "/users", h.registerUser)
	personal(post, "/sessions", h.openSession)
	personal(del, "/sessions", h.closeSession, requireLogin)
	personal(get, "/users/me", h.currentUser, requireLogin)
	personal(patch, "/users/me", h.editProfile, requireLogin)
	personal(put, "/users/me/password", h.changePassword, requireLogin)
	personal(get, "/users/me/listings", h.myListings, requireLogin)
	personal(get, "/users/me/orders", h.myOrders, requireLogin)
	personal(get, "/users/me/favorites", h.myFavorites, requireLogin)
	personal(put, "/users/me/favorites/:listing_id", h.addFavorite, requireLogin)
	personal(del, "/users/me/favorites/:listing_id", h.removeFavorite, requireLogin)
	personal(get, "/users/me/history", h.myHistory, requireLogin)
	personal(del, "/users/me/history", h.clearHistory, requireLogin)
	personal(get, "/users/me/recommendations", h.recommendations, requireLogin)

	public(get, "/openapi.json", openAPI(d.Log))
	public(get, "/areas", h.areas)
	public(get, "/facilities", h.facilities)

	public(get, "/listings", h.searchListings)
	private(post, "/listings", h.createListing)
	public(get, "/listings/:id", h.listingDetail)
	private(patch, "/listings/:id", h.editListing)
	private(del, "/listings/:id", h.deleteListing)
	private(post, "/listings/:id/publish", h.publishListing)
	private(post, "/listings/:id/unpublish", h.unpublishListing)
	private(post, "/listings/:id/images", h.addListingImage)
	private(del, "/listings/:id/images/:image_id", h.removeListingImage)
	private(put, "/listings/:id/cover", h.setListingCover)
	if d.Photos != nil {
		e.GET(photos.PathPrefix+":hash", h.photo)
		api.Add(post, "/listings/:id/photos", h.uploadListingPhoto, auth, requireLogin,
			middleware.BodyLimit(strconv.Itoa(MaxUploadBody/1024)+"K"))
	}
	public(get, "/listings/:id/availability", h.availability)
	public(get, "/listings/:id/reviews", h.listingReviews)
	public(get, "/listings/:id/similar", h.similarListings)

	private(post, "/orders", h.placeOrder)
	private(get, "/orders/:id", h.orderDetail)
	private(post, "/orders/:id/accept", h.acceptOrder)
	private(post, "/orders/:id/reject", h.rejectOrder)
	private(post, "/orders/:id/pay", h.payOrder)
	private(post, "/orders/:id/cancel", h.cancelOrder)
	private(post, "/orders/:id/review", h.reviewOrder)

	public(get, "/home", h.home)
	public(get, "/search/suggest", h.suggest)
	public(get, "/stats/:city/:district", h.districtStats)
	return e
}

// bodyLimit is the largest request body accepted (413 beyond it).
const bodyLimit = "1M"

type handlers struct {
	cmd    command.Commands
	q      query.Queries
	photos photos.Store
}

// idempotencyNamespace scopes Idempotency-Key values to this API.
var idempotencyNamespace = uuid.MustParse("5c3f6f3e-8a4b-4d0e-9a51-7c2b1e0d9f10")

// meta is what every command carries from its request. A client that sends
// Idempotency-Key gets the same command id for the same key, so a retried
// request returns the first result instead of acting twice. The request's
// fingerprint goes with it: the store refuses the key when it comes back
// with another request. A key is scoped to its caller: the user, or for an
// anonymous caller (registration, login) the client address, so two
// strangers who pick the same key do not collide; two behind one address
// who do are refused (the fingerprint), never given the other's result.
func meta(c echo.Context) command.Meta {
	m := command.Meta{Actor: actorOf(c), CommandID: rental.NewID(), Client: c.RealIP(),
		CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if key := c.Request().Header.Get("Idempotency-Key"); key != "" {
		route := c.Request().Method + " " + c.Path() + "\x00" + strings.Join(c.ParamValues(), "/")
		caller := m.Actor.String()
		if m.Actor.Anonymous() {
			caller += "\x00" + m.Client
		}
		scope := caller + "\x00" + route + "\x00" + key
		m.CommandID, m.MayRepeat = uuid.NewSHA1(idempotencyNamespace, []byte(scope)), true
		sum := sha256.New()
		sum.Write([]byte(route + "\x00"))
		sum.Write(requestBody(c))
		m.RequestHash = sum.Sum(nil)
	}
	return m
}

// writeBody sends a query's pre-encoded answer.
func writeBody(c echo.Context, b query.Body) error {
	c.Response().Header().Set("X-Read-Source", b.Source)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b.JSON)
}

// accessLog logs every request at debug level and slow ones at warn, with
// the status the error mapping gives (echo's own 404 and 405 included).
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
					status = statusFor(err)
				}
				log.Log(c.Request().Context(), level, "http request", "method", methodOf(c),
					"route", c.Path(), "status", status, "took", took,
					"request_id", c.Response().Header().Get(echo.HeaderXRequestID))
			}
			return err
		}
	}
}
