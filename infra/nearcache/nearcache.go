// Package nearcache keeps read-model documents and search results in the api
// process, so a hot query costs a map lookup instead of a Redis round trip.
//
// It is a decorator: it implements query.ReadModels over another
// query.ReadModels. It stays correct by listening to the change notices the
// read-model writes publish (readmodel.ChangeNotice): a notice drops the
// cached document (or view count) and leaves a marker of the newer version,
// so a fetch that raced with the change (and read the older version) is not
// cached. A shared answer (see Pages) goes only when a change could alter it:
// a search (query.Narrow) is retired by a listing that could match its
// filter before or after the change, and by an order whose stay overlaps its
// dates; other shared answers by any change of a read model they depend on
// (each read model has an epoch): a view does not retire search pages, only
// those sorted by views. A listing's booked dates are kept until an order of
// that listing changes.
// While the notice subscription is down nothing is served from the cache, it
// is emptied on every (re)subscription, and every entry expires after TTL
// anyway: a missed notice cannot keep a stale answer for long.
package nearcache

import (
	"context"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/query"
)

// Config sizes the cache.
type Config struct {
	Documents int           // documents kept (default 100000)
	Pages     int           // search answers kept (default 10000)
	TTL       time.Duration // longest life of an entry (default 5 s)
}

// Cache is the near cache. Run must be running for it to serve anything.
type Cache struct {
	// ReadModels answers what the cache does not keep: it overrides the
	// reads it caches (documents, view counts, booked dates) and passes
	// the rest, per user or read rarely, straight on. A read added to the
	// port passes through until it is given a method here.
	query.ReadModels
	client  goredis.UniversalClient
	channel string
	log     *slog.Logger
	// onGeneration is called when a projection switches generation.
	onGeneration func()

	mu     sync.Mutex // orders marker checks with adds; the change log with the answers it retires
	docs   *expirable.LRU[uuid.UUID, entry]
	views  *expirable.LRU[uuid.UUID, query.Count] // N < 0: a marker
	pages  *expirable.LRU[string, pageEntry]
	epochs map[string]*atomic.Uint64 // per read model a shared answer may depend on
	seeds  [2]maphash.Seed           // of the Sum a kept answer carries
	live   atomic.Bool
	// changes are the latest listing and order changes (ring, by seq), so an
	// answer computed while one arrived is not kept if it could affect it.
	changes [changeLog]loggedChange
	seq     uint64
	// stays keeps each listing's booked dates by window, until an order of
	// that listing changes (a new, empty entry then replaces its windows).
	stays    *expirable.LRU[uuid.UUID, *staysEntry]
	staysSeq uint64 // order notices so far

	hits, misses         atomic.Uint64
	pageHits, pageMisses atomic.Uint64 // of those, the shared answers (Pages)
	applied              atomic.Uint64 // change notices applied

	// sessions, when set, is kept current by the announcements on sessionChannel.
	sessions       *Sessions
	sessionChannel string
}

type entry struct {
	doc query.Doc // zero JSON = a marker: a change to Version was announced
}

type pageEntry struct {
	epochs epochs // of the dependencies judged whole, read before the answer was computed
	body   query.Body
	narrow query.Narrow // judges listing and order changes itself; nil: epochs only
}

// epochs are the epochs of a shared query's dependencies, by their place in
// its DependsOn (0 for one judged by Narrow): a fixed array, so a read
// compares them without allocating.
type epochs [3]uint64

// changeLog is how many recent changes an answer being computed is checked against.
const changeLog = 1024

type loggedChange struct {
	seq    uint64
	change query.Change
}

type staysEntry struct {
	seq     uint64 // the order notice that made the entry (0: a read did)
	windows map[[2]int64][]query.BookedRange
}

// New returns a cache over inner, listening on channel through client (the
// replica client: notices arrive there after the data they announce).
func New(cfg Config, inner query.ReadModels, client goredis.UniversalClient, channel string, onGeneration func(), log *slog.Logger) *Cache {
	if cfg.Documents == 0 {
		cfg.Documents = 100000
	}
	if cfg.Pages == 0 {
		cfg.Pages = 10000
	}
	if cfg.TTL == 0 {
		cfg.TTL = 5 * time.Second
	}
	if onGeneration == nil {
		onGeneration = func() {}
	}
	c := &Cache{
		ReadModels: inner, client: client, channel: channel, onGeneration: onGeneration,
		log:    log.With("component", "nearcache"),
		docs:   expirable.NewLRU[uuid.UUID, entry](cfg.Documents, nil, cfg.TTL),
		views:  expirable.NewLRU[uuid.UUID, query.Count](cfg.Documents, nil, cfg.TTL),
		pages:  expirable.NewLRU[string, pageEntry](cfg.Pages, nil, cfg.TTL),
		stays:  expirable.NewLRU[uuid.UUID, *staysEntry](cfg.Documents, nil, cfg.TTL),
		epochs: map[string]*atomic.Uint64{},
		seeds:  [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()},
	}
	for _, dep := range []string{query.DependsListings, query.DependsOrders, query.DependsViews} {
		c.epochs[dep] = &atomic.Uint64{}
	}
	return c
}

// advance retires the shared answers that depend on a read model.
func (c *Cache) advance(dep string) { c.epochs[dep].Add(1) }

// Stats returns hits and misses so far.
func (c *Cache) Stats() (hits, misses uint64) { return c.hits.Load(), c.misses.Load() }

// PageStats returns the hits and misses of shared answers (searches, home,
// suggestions, charts) so far: Stats counts documents too, which a search
// page reads by the page.
func (c *Cache) PageStats() (hits, misses uint64) { return c.pageHits.Load(), c.pageMisses.Load() }

// Applied returns how many change notices the cache has applied.
func (c *Cache) Applied() uint64 { return c.applied.Load() }

// Run listens for change notices until ctx ends, resubscribing after errors.
func (c *Cache) Run(ctx context.Context) {
	for ctx.Err() == nil {
		err := c.listen(ctx)
		c.disable()
		if ctx.Err() != nil {
			return
		}
		c.log.Warn("change notices lost; near cache off until resubscribed", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func (c *Cache) listen(ctx context.Context) error {
	channels := []string{c.channel}
	if c.sessions != nil {
		channels = append(channels, c.sessionChannel)
	}
	ps := c.client.Subscribe(ctx, channels...)
	defer ps.Close()
	for {
		msg, err := ps.ReceiveTimeout(ctx, 2*time.Second)
		if err != nil {
			if isTimeout(err) {
				// Quiet channel: make sure the connection is still alive.
				if err := ps.Ping(ctx); err != nil {
					return fmt.Errorf("pinging notice subscription: %w", err)
				}
				continue
			}
			return err
		}
		switch m := msg.(type) {
		case *goredis.Subscription:
			// Once every channel is confirmed: anything may have changed while
			// we were not listening.
			if m.Kind == "subscribe" && m.Count == len(channels) {
				c.flush()
				c.live.Store(true)
			}
		case *goredis.Message:
			if c.sessions != nil && m.Channel == c.sessionChannel {
				c.sessions.notice(m.Payload)
				continue
			}
			c.notice(m.Payload)
			c.applied.Add(1)
		}
	}
}

func isTimeout(err error) bool {
	type timeout interface{ Timeout() bool }
	t, ok := err.(timeout)
	return ok && t.Timeout()
}

func (c *Cache) disable() {
	c.live.Store(false)
	c.flush()
}

func (c *Cache) flush() {
	c.mu.Lock()
	c.docs.Purge()
	c.views.Purge()
	c.pages.Purge()
	c.stays.Purge()
	c.staysSeq++
	c.logChange(query.Change{Listing: &query.ListingChange{Unknown: true}}) // an answer being computed is not kept
	c.mu.Unlock()
	for dep := range c.epochs {
		c.advance(dep)
	}
	if c.sessions != nil {
		c.sessions.purge()
	}
}

// notice applies one change notice (readmodel.ChangeNotice).
func (c *Cache) notice(payload string) {
	n, ok := readmodel.ParseChangeNotice(payload)
	if !ok {
		return
	}
	id, version := n.ID, n.Version
	switch n.Kind {
	case readmodel.NoticeGeneration:
		c.onGeneration()
		c.flush()
	case readmodel.NoticeListing:
		c.mu.Lock()
		switch e, ok := c.docs.Peek(id); {
		case !ok || e.doc.Version < version:
			c.docs.Add(id, entry{doc: query.Doc{Version: version}})
		case e.doc.Version == version && e.doc.JSON != nil:
			// `rentalctl check --repair` rewrote this version in place.
			c.docs.Remove(id)
		}
		c.changed(n.Change)
		c.mu.Unlock()
		c.advance(query.DependsListings)
	case readmodel.NoticeViews:
		c.mu.Lock()
		if v, ok := c.views.Peek(id); !ok || v.Version < version {
			c.views.Add(id, query.Count{Version: version, N: -1})
		}
		c.mu.Unlock()
		c.advance(query.DependsViews)
	case readmodel.NoticeOrder:
		c.mu.Lock()
		c.changed(n.Change)
		// The listing's own entries: its booked dates.
		c.staysSeq++
		if st := n.Change.Stay; st != nil && st.Listing != uuid.Nil {
			c.stays.Add(st.Listing, &staysEntry{seq: c.staysSeq, windows: map[[2]int64][]query.BookedRange{}})
		} else {
			c.stays.Purge()
		}
		c.mu.Unlock()
		c.advance(query.DependsOrders)
	case readmodel.NoticeUser:
		// A user changed (roles, say) through any path, rentalctl included.
		if c.sessions != nil {
			c.sessions.forgetUser(id)
		}
	}
}

// logChange records a change (c.mu held), so an answer being computed
// while it arrived is checked against it before it is kept.
func (c *Cache) logChange(ch query.Change) {
	c.seq++
	c.changes[c.seq%changeLog] = loggedChange{seq: c.seq, change: ch}
}

// changed retires the narrow answers a listing or order change could
// affect (c.mu held); the others go by epoch.
func (c *Cache) changed(ch query.Change) {
	c.logChange(ch)
	for _, k := range c.pages.Keys() {
		if e, ok := c.pages.Peek(k); ok && e.narrow != nil && e.narrow.AffectedBy(ch) {
			c.pages.Remove(k)
		}
	}
}

// keep caches a narrow answer computed from seq on, unless a change logged
// since could affect it (or the log no longer reaches back that far).
func (c *Cache) keep(key string, e pageEntry, since uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq-since >= changeLog {
		return
	}
	for s := since + 1; s <= c.seq; s++ {
		if e.narrow.AffectedBy(c.changes[s%changeLog].change) {
			return
		}
	}
	c.pages.Add(key, e)
}

// remember caches d unless a newer version has been announced meanwhile.
func (c *Cache) remember(id uuid.UUID, d query.Doc) {
	if !c.live.Load() || !d.Found() {
		return
	}
	c.mu.Lock()
	if e, ok := c.docs.Peek(id); !ok || e.doc.Version <= d.Version {
		c.docs.Add(id, entry{doc: d})
	}
	c.mu.Unlock()
}

func (c *Cache) cached(id uuid.UUID) (query.Doc, bool) {
	if !c.live.Load() {
		return query.Doc{}, false
	}
	e, ok := c.docs.Get(id)
	if !ok || e.doc.JSON == nil {
		c.misses.Add(1)
		return query.Doc{}, false
	}
	c.hits.Add(1)
	return e.doc, true
}

func (c *Cache) Listing(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	if d, ok := c.cached(id); ok {
		return d, nil
	}
	d, err := c.ReadModels.Listing(ctx, id)
	if err == nil {
		c.remember(id, d)
	}
	return d, err
}

func (c *Cache) Listings(ctx context.Context, ids []uuid.UUID) ([]query.Doc, error) {
	out := make([]query.Doc, len(ids))
	var missing []uuid.UUID
	var at []int
	for i, id := range ids {
		if d, ok := c.cached(id); ok {
			out[i] = d
			continue
		}
		missing = append(missing, id)
		at = append(at, i)
	}
	if len(missing) == 0 {
		return out, nil
	}
	docs, err := c.ReadModels.Listings(ctx, missing)
	if err != nil {
		return nil, err
	}
	for j, d := range docs {
		out[at[j]] = d
		c.remember(missing[j], d)
	}
	return out, nil
}

// Pages is a query middleware that keeps whole answers of shared queries
// (query.Shared: searches, home, suggestions, charts). An answer is kept
// under the epochs of the read models it depends on, read before it was
// computed, so a change that lands meanwhile retires it; a query.Narrow
// answer judges the changes of listings and orders itself (Cache.changed),
// and the changes logged while it was computed are judged before it is
// kept. Only answers from the read models are kept; a MySQL fallback is not,
// nor an answer marked Private (it depends on who asked).
func (c *Cache) Pages() rental.Middleware {
	return func(name string, next rental.Next) rental.Next {
		return func(ctx context.Context, cmd any) (any, error) {
			q, ok := cmd.(query.Shared)
			if !ok {
				return next(ctx, cmd)
			}
			narrow, _ := cmd.(query.Narrow)
			deps := q.DependsOn()
			var at epochs
			if len(deps) > len(at) {
				return next(ctx, cmd) // more read models than there are: not kept
			}
			for i, dep := range deps {
				if narrow == nil || (dep != query.DependsListings && dep != query.DependsOrders) {
					at[i] = c.epochs[dep].Load()
				}
			}
			key := q.CacheKey()
			if c.live.Load() {
				if e, ok := c.pages.Get(key); ok && e.epochs == at {
					c.hits.Add(1)
					c.pageHits.Add(1)
					return e.body, nil
				}
			}
			c.misses.Add(1)
			c.pageMisses.Add(1)
			c.mu.Lock()
			since := c.seq
			c.mu.Unlock()
			res, err := next(ctx, cmd)
			if b, ok := res.(query.Body); ok && err == nil && b.Source == query.FromRedis && !b.Private && c.live.Load() {
				// Named here, so the answer that fills the entry and the
				// ones it then serves carry the same Sum.
				b.Sum = query.Sum{maphash.Bytes(c.seeds[0], b.JSON), maphash.Bytes(c.seeds[1], b.JSON)}
				res = b
				e := pageEntry{epochs: at, body: b, narrow: narrow}
				if narrow != nil {
					c.keep(key, e, since)
				} else {
					c.pages.Add(key, e)
				}
			}
			return res, err
		}
	}
}

// ListingViews is cached like a document: a notice of a newer count leaves a
// marker, so a read that raced with it is not kept.
func (c *Cache) ListingViews(ctx context.Context, listing uuid.UUID) (query.Count, error) {
	if c.live.Load() {
		if v, ok := c.views.Get(listing); ok && v.N >= 0 {
			c.hits.Add(1)
			return v, nil
		}
	}
	c.misses.Add(1)
	v, err := c.ReadModels.ListingViews(ctx, listing)
	if err == nil && c.live.Load() {
		c.mu.Lock()
		if m, ok := c.views.Peek(listing); !ok || m.Version <= v.Version {
			c.views.Add(listing, v)
		}
		c.mu.Unlock()
	}
	return v, err
}

// BookedRanges keeps a listing's booked dates per window until an order of
// that listing changes: every listing page reads them.
func (c *Cache) BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]query.BookedRange, error) {
	w := [2]int64{from.Unix(), to.Unix()}
	c.mu.Lock()
	e, _ := c.stays.Get(listing)
	if e != nil && c.live.Load() {
		if r, ok := e.windows[w]; ok {
			c.mu.Unlock()
			c.hits.Add(1)
			return r, nil
		}
	}
	seq := c.staysSeq
	c.mu.Unlock()
	c.misses.Add(1)
	r, err := c.ReadModels.BookedRanges(ctx, listing, from, to)
	if err != nil || !c.live.Load() {
		return r, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now, _ := c.stays.Peek(listing)
	switch {
	case now != nil && now == e:
		// no order of the listing changed since: its entry is the one read
	case now == nil && seq == c.staysSeq:
		now = &staysEntry{windows: map[[2]int64][]query.BookedRange{}} // no order changed at all since
		c.stays.Add(listing, now)
	default:
		return r, nil // an order changed meanwhile: what was read may be older
	}
	now.windows[w] = r
	return r, nil
}
