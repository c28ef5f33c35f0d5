// Package apiserver assembles an api replica: the JSON API, the pages and
// the operator page over the commands and queries, its relay, near cache
// and diagnostics. Only cmd/api (and the tests and benchmarks that start an
// api) import it, so the worker binary carries none of the HTTP ports nor
// the operator features they show.
package apiserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/httpapi"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/nearcache"
	"github.com/zufang/rental/infra/observe"
	"github.com/zufang/rental/infra/photos"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/views"
	"github.com/zufang/rental/infra/web"
	"github.com/zufang/rental/query"
)

// API is one api replica: the HTTP server, its relay and its near cache.
type API struct {
	Base     *system.Base
	Handler  http.Handler
	Diag     http.Handler // /healthz, /readyz, /metrics on the diagnostics address
	Commands command.Commands
	Queries  query.Queries
	Relay    *relay.Relay
	Near     *nearcache.Cache // nil when disabled
	Views    *views.Buffer    // views noted by the listing detail, recorded in batches
	Metrics  *observe.Metrics
	Photos   photos.Store  // listing photos, shared by every replica
	Now      command.Clock // the clock of the commands, queries and pages
}

// New assembles an api replica on b.
func New(b *system.Base) (*API, error) {
	metrics := observe.NewMetrics()
	rel, err := b.NewRelay(metrics.Relay())
	if err != nil {
		return nil, err
	}
	logging := observe.Logging(b.Log)
	a := &API{Base: b, Relay: rel, Metrics: metrics}
	var auth httpapi.Authenticator = mysql.NewSessionStore(b.Pools.Writer)
	var sessions *nearcache.Sessions
	var rm query.ReadModels = b.RM
	var repair query.Repairer = b.RM
	queryMiddleware := []rental.Middleware{logging, metrics.UseCases()}
	switch {
	case !b.Cfg.ReadModels:
		rm, repair = noReadModels{}, noReadModels{}
	case b.Cfg.NearCache:
		a.Near = nearcache.New(nearcache.Config{}, b.RM, b.Redis.Replica, b.RM.ChangesChannel(), b.RM.ForgetGenerations, b.Log)
		rm = a.Near
		queryMiddleware = append(queryMiddleware, a.Near.Pages())
		near := a.Near
		metrics.CounterFunc("near_cache_hits_total", "Reads the api's near cache answered (documents and search pages).",
			func() float64 { h, _ := near.Stats(); return float64(h) })
		metrics.CounterFunc("near_cache_misses_total", "Reads the api's near cache passed on to Redis.",
			func() float64 { _, m := near.Stats(); return float64(m) })
		sessions = a.Near.Sessions(mysql.NewSessionStore(b.Pools.Writer), b.Redis.Master, b.Cfg.Prefix+"sessions:changed")
		auth = sessions
	}
	// One clock for the commands, the queries and the pages: the booking page
	// previews with the rules the command then applies, on the same day.
	a.Now = time.Now
	a.Commands = system.NewCommandsClocked(b, rel, sessions, a.Now, metrics.UseCases())
	a.Photos = mysql.NewPhotoStore(b.Pools)
	a.Views = views.New(views.Config{}, a.Commands.RecordViews, b.Log)
	a.Queries = query.New(query.Deps{
		ReadModels: rm, Fallback: mysql.NewQueryFallback(b.Pools, b.Catalog), Repairer: repair, Catalog: b.Catalog,
		Views: a.Views, Now: a.Now,
	}, queryMiddleware...)
	e := httpapi.New(httpapi.Deps{
		Commands: a.Commands, Queries: a.Queries, Auth: auth, Log: b.Log,
		Photos:     a.Photos,
		Middleware: []echo.MiddlewareFunc{metrics.HTTP()},
	})
	a.Diag = httpapi.Diagnostics(httpapi.DiagDeps{
		Checks: map[string]func(context.Context) error{
			"mysql": func(ctx context.Context) error { return mysql.Ping(ctx, b.Pools.Writer) },
			"redis": func(ctx context.Context) error { return b.Redis.Master.Ping(ctx).Err() },
		},
		Required: []string{"mysql"},
		Metrics:  metrics.Handler(),
		Log:      b.Log,
	})
	// The pages: a second port on the same server, over the same commands and queries.
	ops, err := NewOperations(b)
	if err != nil {
		return nil, err
	}
	if err := web.Mount(e, web.Deps{Commands: a.Commands, Queries: a.Queries, Auth: auth, Log: b.Log, Ops: ops, Uploads: a.Photos, Now: a.Now}); err != nil {
		return nil, fmt.Errorf("mounting the pages: %w", err)
	}
	a.Handler = e
	return a, nil
}

// Serve runs the api on ln until ctx ends, then drains in-flight requests.
func (a *API) Serve(ctx context.Context, ln net.Listener) error {
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	go func() { _ = a.Relay.Run(bg) }()
	go a.Base.RM.Run(bg)
	if a.Near != nil {
		go a.Near.Run(bg)
	}
	// Views stop after the server (requests still note theirs) and before the
	// relay (their last batch is published at once).
	viewsCtx, stopViews := context.WithCancel(bg)
	viewsDone := make(chan struct{})
	go func() { defer close(viewsDone); a.Views.Run(viewsCtx) }()
	// ReadTimeout covers the body too: a client trickling a body in cannot
	// hold a connection (and its goroutine) open past it.
	srv := &http.Server{Handler: a.Handler, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: a.Base.Cfg.HTTPReadTimeout,
		IdleTimeout: 2 * time.Minute}
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdown)
	}()
	a.Base.Log.Info("api listening", "addr", ln.Addr().String())
	err := srv.Serve(ln)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		stopViews()
		return err
	}
	<-drained
	stopViews()
	<-viewsDone
	// Events committed but not yet published stay in outbox; any relay's sweep
	// (another replica's, or the worker's) publishes them.
	return nil
}

// ServeDiag serves the diagnostics handler on ln until ctx ends. Its
// address (RENTAL_DIAG_ADDR) is for the load balancer and Prometheus only.
func (a *API) ServeDiag(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.Diag, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	a.Base.Log.Info("api diagnostics listening", "addr", ln.Addr().String())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// noReadModels answers every read with a miss: RENTAL_READ_MODELS=false
// forces every query to MySQL (for benchmarks and diagnosis).
type noReadModels struct{}

func (noReadModels) Listing(context.Context, uuid.UUID) (query.Doc, error) {
	return query.Doc{}, query.ErrMiss
}
func (noReadModels) Listings(context.Context, []uuid.UUID) ([]query.Doc, error) {
	return nil, query.ErrMiss
}
func (noReadModels) SearchListings(context.Context, query.ListingFilter) ([]uuid.UUID, int, error) {
	return nil, 0, query.ErrMiss
}
func (noReadModels) LandlordListings(context.Context, uuid.UUID, int, int) ([]uuid.UUID, int, error) {
	return nil, 0, query.ErrMiss
}
func (noReadModels) User(context.Context, uuid.UUID) (query.Doc, error) {
	return query.Doc{}, query.ErrMiss
}
func (noReadModels) RepairListing(events.ListingState) {}
func (noReadModels) RepairUser(events.UserState)       {}
