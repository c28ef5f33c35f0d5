// Package web is the second port over the application, beside infra/httpapi:
// server-rendered HTML pages for tenants, landlords and operators, on the
// same echo instance (same origin, same load balancer) as the JSON API.
//
// Page handlers call the same command and query handlers in process, never
// the JSON API over HTTP, so the near cache, read-your-writes and every
// authorization rule apply unchanged. A page decodes its form into the same
// command struct the JSON handler builds; on rental.EINVALID it renders the
// form again with each field's message beside it (errors.go); on success it
// redirects (303) with the new version (?v=N) so the next page reads at
// least it.
//
// Files: routes.go (every route), render.go (templates and the data every
// page gets), funcs.go (template functions), session.go (the session
// cookie), csrf.go, errors.go (the one mapping of rental.Error for pages),
// form.go (forms and their field messages), assets.go (content-hashed
// CSS/JS), then one file per page or use case.
package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/photos"
	"github.com/zufang/rental/query"
)

// Authenticator turns a session token's hash into the actor behind it; the
// api passes the same one the JSON API uses (with the near cache's session
// cache in front of MySQL when enabled). httpapi.Authenticator satisfies it.
type Authenticator interface {
	Authenticate(ctx context.Context, tokenHash []byte) (rental.Actor, error)
}

// Photos stores listing photos where every api replica sees them (infra/photos).
// Nil serves no /photos/ and no upload.
type Photos interface {
	// ServeHTTP answers GET /photos/<name>[?s=card|detail|full].
	http.Handler
}

// Deps is what the pages need.
type Deps struct {
	Commands command.Commands
	Queries  query.Queries
	Auth     Authenticator
	Log      *slog.Logger
	Photos   Photos       // may be nil
	Uploads  photos.Store // stores uploaded listing photos; nil: the photo pages offer no upload
	Ops      Ops          // may be nil
	// Now is the pages' clock (the booking preview, today on the calendar,
	// what an order's page offers); the api passes its commands' clock. nil
	// is the wall clock.
	Now func() time.Time
}

// pages holds what every page handler uses; it is built once, by Mount.
type pages struct {
	Deps
	tpl        templates
	assets     assets
	cities     []rental.City
	facilities []rental.Facility
	facility   map[string]rental.Facility
	answers    *answers
	cityHTML   map[string]template.HTML // the top bar's city options, by the current city
}

// Mount registers every page route, /assets/* and (with Photos) /photos/* on
// e, and makes errors of requests outside /api answer HTML instead of JSON.
func Mount(e *echo.Echo, d Deps) error {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	p := &pages{Deps: d, facility: map[string]rental.Facility{}, answers: newAnswers()}
	if err := p.loadCatalog(); err != nil {
		return err
	}
	p.drawCityOptions()
	var err error
	if p.assets, err = loadAssets(); err != nil {
		return err
	}
	if p.tpl, err = loadTemplates(p.funcs()); err != nil {
		return err
	}
	p.routes(e)
	apiErrors := e.HTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if isPage(c.Request().URL.Path) {
			p.errorHandler(err, c)
			return
		}
		apiErrors(err, c)
	}
	return nil
}

// loadCatalog reads the cities and facilities once: they are fixed while a
// process runs (rental.Catalog).
func (p *pages) loadCatalog() error {
	ctx := context.Background()
	areas, err := p.Queries.Areas.Handle(ctx, query.Areas{})
	if err != nil {
		return fmt.Errorf("reading the areas: %w", err)
	}
	var a struct {
		Cities []rental.City `json:"cities"`
	}
	if err := json.Unmarshal(areas.JSON, &a); err != nil {
		return fmt.Errorf("decoding the areas: %w", err)
	}
	facs, err := p.Queries.Facilities.Handle(ctx, query.Facilities{})
	if err != nil {
		return fmt.Errorf("reading the facilities: %w", err)
	}
	var f struct {
		Facilities []rental.Facility `json:"facilities"`
	}
	if err := json.Unmarshal(facs.JSON, &f); err != nil {
		return fmt.Errorf("decoding the facilities: %w", err)
	}
	p.cities, p.facilities = a.Cities, f.Facilities
	for _, fac := range f.Facilities {
		p.facility[fac.Code] = fac
	}
	return nil
}
