package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// routes registers every page. Page routes go through router, which adds
// the session, CSRF and body limit middlewares; assets and photos do not
// need them.
func (p *pages) routes(e *echo.Echo) {
	e.GET("/assets/:name", p.asset)
	if p.Photos != nil {
		e.GET("/photos/*", echo.WrapHandler(p.Photos))
	}

	r := router{e: e, limit: "1M", mws: []echo.MiddlewareFunc{p.session, p.csrf}}
	r.GET("/", p.home)
	r.GET("/city", p.switchCity)
	r.GET("/listings", p.search)
	r.GET("/listings/:id", p.listingDetail)

	r.GET("/login", p.loginForm)
	r.POST("/login", p.login)
	r.GET("/register", p.registerForm)
	r.POST("/register", p.register)
	r.POST("/logout", p.logout)

	p.listingRoutes(r)
	p.tenantRoutes(r)
	p.landlordRoutes(r)
	p.opsRoutes(r)

	// Unknown page paths go through the session too, so the 404 page shows who is logged in.
	e.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound }, r.chain(nil)...)
}

// router registers page routes with the page middlewares, behind a body
// limit: it comes first, so no middleware (the CSRF check reads the form)
// reads more of a body than its route accepts.
type router struct {
	e     *echo.Echo
	limit string // echo's BodyLimit syntax: "1M"
	mws   []echo.MiddlewareFunc
}

func (r router) GET(path string, h echo.HandlerFunc, mws ...echo.MiddlewareFunc) {
	r.e.GET(path, h, r.chain(mws)...)
}

func (r router) POST(path string, h echo.HandlerFunc, mws ...echo.MiddlewareFunc) {
	r.e.POST(path, h, r.chain(mws)...)
}

func (r router) chain(mws []echo.MiddlewareFunc) []echo.MiddlewareFunc {
	out := append([]echo.MiddlewareFunc{middleware.BodyLimit(r.limit)}, r.mws...)
	return append(out, mws...)
}

// WithBodyLimit returns a router whose routes accept bodies up to limit
// instead (photo uploads).
func (r router) WithBodyLimit(limit string) router {
	r.limit = limit
	return r
}

// With returns a router whose routes also run mws (a larger body limit for
// uploads, a role check), after the page middlewares.
func (r router) With(mws ...echo.MiddlewareFunc) router {
	r.mws = append(r.mws[:len(r.mws):len(r.mws)], mws...)
	return r
}

// isPage reports whether a path belongs to the pages (HTML errors) rather
// than to the JSON API and the probes (JSON errors).
func isPage(path string) bool {
	switch {
	case strings.HasPrefix(path, "/api/"), path == "/api",
		path == "/healthz", path == "/readyz", path == "/metrics":
		return false
	}
	return true
}

// see303 redirects after a change (POST/redirect/GET).
func see303(c echo.Context, url string) error { return c.Redirect(http.StatusSeeOther, url) }
