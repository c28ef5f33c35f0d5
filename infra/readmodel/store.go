// Package readmodel adapts Redis to the read models: documents and search
// indexes under generation-numbered keys, written only through a version
// compare-and-set (put.lua) and searched with a read-only script (search.lua)
// that runs on replicas.
//
// Each projection (read model) has its own generation, so one can be rebuilt
// alone. Key layout, P being the key prefix and g a generation:
//
//	P rm:<projection>:gen        live generation; absent = that read model is not built
//	P rm:<projection>:gen:next   generation being rebuilt (written alongside the live one)
//	P rm:<projection>:gen:seq    last generation number handed out
//	P rm:<projection>:gen:pos    "<g> <seq>": how far the rebuild of g got (resuming after a crash)
//	P rm:<projection>:gen:retired  zset of replaced generations by retirement time (ms), dropped after a grace
//	P rm:listings:g:listing:<id>                hash v (version), d (JSON), s (status), o (landlord), ix (index entries)
//	P rm:listings:g:ix:listing:<scope>:price    zset by price, scope = all | c:<city> | d:<city>:<district>
//	P rm:listings:g:ix:listing:<scope>:new      zset by publication time
//	P rm:listings:g:ix:listing:<scope>:bookings zset by orders placed
//	P rm:listings:g:ix:landlord:<id>            zset of a landlord's listings by creation time
//	P rm:listings:g:kw                          hash id → search text (keyword search), published only
//	P rm:listings:g:ixm                         hash id → "<city>|<district>|<price>", published only (search by dates)
//	P rm:listings:g:sg:block|sg:title           counted zsets: published listings per block / title (suggest)
//	P rm:listings:g:st:<city>:<district>:…      district charts: pts (zset area → "id|area|price"),
//	                                            counted beds, bedprice, comm (per bedroom count, per community)
//	P rm:users:g:user:<id>                      hash v, d
//	orders, favorites, views, history: see orders.go and activity.go
//	P rm:changed   pub/sub: "listing <id> <version>", "user <id> <version>", "gen <projection> <g>"
package readmodel

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

var (
	//go:embed put.lua
	putSource string
	//go:embed search.lua
	searchSource string

	putScript    = goredis.NewScript(putSource)
	searchScript = goredis.NewScript(searchSource)
)

// Budgets of search.lua: a search that would check a keyword against more
// listings, or read more stays to filter by dates, is answered by MySQL
// instead. A script blocks every other client of Redis while it runs; past
// these sizes it runs for tens of milliseconds (docs/BENCHMARKS.md), and
// MySQL, with its threads, answers as fast without stalling anyone.
const (
	KeywordScanBudget = 20000
	DateScanBudget    = 20000
)

// SetBudgets changes the search budgets (tests).
func (s *Store) SetBudgets(keyword, dates int) { s.keywordBudget, s.dateBudget = keyword, dates }

// Projections: each names a read model with its own generation.
const (
	Listings  = "listings"
	Users     = "users"
	Orders    = "orders"
	Favorites = "favorites"
	Views     = "views"
	History   = "history"
)

// Generations as writes and reads name them; worker.Current and
// worker.NoGeneration are the same two.
const (
	// Current, as the generation of a write, is the live generation and,
	// during a rebuild, the one being built (put.lua writes both).
	Current = ""
	// NoGeneration, as a generation read back, is none: the read model is
	// not built, or no rebuild is under way.
	NoGeneration = ""
)

// Projections lists every projection the store keeps.
var Projections = []string{Listings, Users, Orders, Favorites, Views, History}

// Store reads and writes the read models.
type Store struct {
	master  goredis.UniversalClient
	replica goredis.UniversalClient
	prefix  string
	cat     *rental.Catalog
	log     *slog.Logger

	gens    map[string]*liveGen
	repairs chan func(context.Context)
	// masterFallback: a failed replica read is tried once more on the master.
	masterFallback bool
	// keywordBudget and dateBudget are the budgets above unless a test narrows them.
	keywordBudget, dateBudget int
	// pipe, when set, queues writes instead of sending them (see Batch).
	pipe goredis.Pipeliner
}

// liveGen caches one projection's live generation for reads.
type liveGen struct {
	mu   sync.Mutex
	seen atomic.Pointer[genSeen]
}

type genSeen struct {
	gen string // NoGeneration = not built
	at  time.Time
}

// genTTL is how long a process trusts the live generation it read. A switch
// keeps the old generation for a grace (RENTAL_GENERATION_GRACE, at least
// 1 s), longer than this.
const genTTL = 500 * time.Millisecond

// New returns a Store. Writes go to master; reads to replica, and to master
// when a replica read fails (unless they are the same client, or
// SingleServer says they are the same server).
func New(master, replica goredis.UniversalClient, prefix string, cat *rental.Catalog, log *slog.Logger) *Store {
	st := &Store{master: master, replica: replica, prefix: prefix, cat: cat, log: log.With("component", "readmodel"),
		gens: map[string]*liveGen{}, repairs: make(chan func(context.Context), 1024), masterFallback: master != replica,
		keywordBudget: KeywordScanBudget, dateBudget: DateScanBudget}
	for _, p := range Projections {
		st.gens[p] = &liveGen{}
	}
	return st
}

// SingleServer tells the store that master and replica are two clients of
// one Redis: a failed read is not tried again on the same server.
func (s *Store) SingleServer() { s.masterFallback = false }

// keyspace is where a projection's keys live.
func (s *Store) keyspace(projection string) string { return s.prefix + "rm:" + projection + ":" }

// Prefix returns the key prefix.
func (s *Store) Prefix() string { return s.prefix }

// ChangesChannel is the pub/sub channel that announces every applied change.
func (s *Store) ChangesChannel() string { return s.prefix + "rm:changed" }

// Run applies queued repairs until ctx ends.
func (s *Store) Run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case repair := <-s.repairs:
			repair(ctx)
		}
	}
}

// ---- writes ----

// entry is one index membership of a document; see put.lua for the kinds
// (the first character of suffix): plain sorted set, '+' counted sorted
// set, '=' hash field (value is the field's value).
type entry struct {
	suffix string
	score  float64
	member string
	value  string
}

// PutListing applies a listing state to generation gen (Current: live and building).
// It returns whether any generation took it (false: an equal or newer version is there).
func (s *Store) PutListing(ctx context.Context, gen string, st events.ListingState, doc []byte) (bool, error) {
	w, err := s.listingWrite(st, doc)
	if err != nil {
		return false, err
	}
	return s.putWrite(ctx, gen, w, false)
}

// PutUser applies a user state to generation gen (Current: live and building).
func (s *Store) PutUser(ctx context.Context, gen string, st events.UserState, doc []byte) (bool, error) {
	w, err := s.userWrite(st, doc)
	if err != nil {
		return false, err
	}
	return s.putWrite(ctx, gen, w, false)
}

// encoded returns st's JSON: doc when the caller has it (an event's payload
// is its state encoded by the same type, so encoding it again would only
// cost time), otherwise st encoded now.
func encoded(st any, doc []byte) ([]byte, error) {
	if doc != nil {
		return doc, nil
	}
	return json.Marshal(st)
}

// write is one compare-and-set write of a document and its entries: what a
// projector writes for an aggregate's state, and what a check expects.
type write struct {
	projection string
	suffix     string // document key under the generation, "<kind>:<id>"
	version    int64
	doc        []byte
	status     string
	owner      string
	notice     string // change notice ("" = none)
	entries    []entry
}

func (s *Store) listingWrite(st events.ListingState, doc []byte) (write, error) {
	doc, err := encoded(st, doc)
	if err != nil {
		return write{}, fmt.Errorf("encoding listing %s: %w", st.ID, err)
	}
	return write{projection: Listings, suffix: "listing:" + st.ID.String(), version: st.Version, doc: doc,
		status: st.Status, owner: st.LandlordID.String(), notice: "listing " + st.ID.String() + " " + strconv.FormatInt(st.Version, 10),
		entries: s.listingEntries(st)}, nil
}

func (s *Store) userWrite(st events.UserState, doc []byte) (write, error) {
	doc, err := encoded(st, doc)
	if err != nil {
		return write{}, fmt.Errorf("encoding user %s: %w", st.ID, err)
	}
	return write{projection: Users, suffix: "user:" + st.ID.String(), version: st.Version, doc: doc,
		notice: "user " + st.ID.String() + " " + strconv.FormatInt(st.Version, 10)}, nil
}

// putWrite runs put.lua: in a batch it is queued, otherwise sent at once.
// repair also rewrites a document at the same version (see put.lua).
func (s *Store) putWrite(ctx context.Context, gen string, w write, repair bool) (bool, error) {
	args := s.putArgs(gen, w, repair)
	if s.pipe != nil {
		putScript.EvalSha(ctx, s.pipe, nil, args...)
		return true, nil // known only when the batch is sent
	}
	n, err := putScript.Run(ctx, s.master, nil, args...).Int()
	if err != nil {
		return false, fmt.Errorf("writing read model %s v%d: %w", w.suffix, w.version, err)
	}
	return n > 0, nil
}

func (s *Store) putArgs(gen string, w write, repair bool) []any {
	args := make([]any, 0, 11+3*len(w.entries))
	args = append(args, s.keyspace(w.projection), gen, w.suffix, w.version, w.doc, w.status, w.owner, w.notice,
		s.ChangesChannel(), len(w.entries))
	for _, e := range w.entries {
		args = append(args, e.suffix, e.arg(), e.member)
	}
	if repair {
		args = append(args, repairMarker)
	}
	return args
}

// arg is the entry's score (or, for a hash field, its value) as put.lua gets
// it, and as the document's ix lists it.
func (e entry) arg() string {
	if strings.HasPrefix(e.suffix, "=") {
		return e.value
	}
	return strconv.FormatFloat(e.score, 'f', -1, 64)
}

// Batch returns a store whose writes are queued and sent together by flush,
// in one round trip, in the order they were made: replay's way past one
// round trip per event. Its writes report applied before they are sent;
// flush returns the first failure. Reads on it are not batched.
func (s *Store) Batch() (*Store, func(context.Context) error) {
	b := *s
	b.pipe = s.master.Pipeline()
	return &b, func(ctx context.Context) error {
		if b.pipe.Len() == 0 {
			return nil
		}
		// EVALSHA in a pipeline cannot fall back to EVAL: make sure Redis
		// has the script (a restarted or failed-over Redis may not).
		if err := putScript.Load(ctx, s.master).Err(); err != nil {
			b.pipe.Discard()
			return fmt.Errorf("loading the write script: %w", err)
		}
		cmds, err := b.pipe.Exec(ctx)
		if err != nil {
			return fmt.Errorf("sending %d read-model writes: %w", len(cmds), err)
		}
		return nil
	}
}

// listingEntries are the index memberships of a listing in this state.
func (s *Store) listingEntries(st events.ListingState) []entry {
	var out []entry
	if st.Status != events.StatusDeleted {
		out = append(out, sorted("ix:landlord:"+st.LandlordID.String(), float64(st.CreatedAt.UnixMilli()), st.ID.String()))
	}
	if st.Status != events.StatusPublished {
		return out
	}
	var published int64
	if st.PublishedAt != nil {
		published = st.PublishedAt.UnixMilli()
	}
	id := st.ID.String()
	// The bookings count is the score of the bookings indexes, not part of
	// the member: a booking then updates three scores instead of moving the
	// listing in every index.
	member := fmt.Sprintf("%s|%d|%s|%d|%d|%d", id, st.Bedrooms, rentCode(st.RentType), st.Price, published,
		s.cat.FacilityMask(st.Facilities))
	for _, scope := range []string{"all", "c:" + st.City, "d:" + st.City + ":" + st.District} {
		out = append(out,
			sorted("ix:listing:"+scope+":price", float64(st.Price), member),
			sorted("ix:listing:"+scope+":new", float64(published), member),
			sorted("ix:listing:"+scope+":bookings", float64(st.Bookings), member))
	}
	// ixm: where and how dear the listing is, for the search's count of busy
	// listings in a scope and price range (search.lua).
	out = append(out, entry{suffix: "=kw", member: id, value: st.SearchText()},
		entry{suffix: "=ixm", member: id, value: st.City + "|" + st.District + "|" + strconv.FormatInt(st.Price, 10)},
		counted("sg:title", st.Title, 1))
	if st.Block != "" {
		out = append(out, counted("sg:block", st.Block, 1))
	}
	// District charts: kept by the same compare-and-set, so they follow every
	// change of every listing exactly once.
	stats := "st:" + st.City + ":" + st.District + ":"
	beds := strconv.Itoa(st.Bedrooms)
	out = append(out,
		sorted(stats+"pts", st.AreaSqm, id+"|"+strconv.FormatFloat(st.AreaSqm, 'f', -1, 64)+"|"+strconv.FormatInt(st.Price, 10)),
		counted(stats+"beds", beds, 1), counted(stats+"bedprice", beds, st.Price))
	if st.Community != "" {
		out = append(out, counted(stats+"comm", st.Community, 1))
	}
	return out
}

// sorted is an entry of a sorted set: member with score.
func sorted(suffix string, score float64, member string) entry {
	return entry{suffix: suffix, score: score, member: member}
}

// counted is an entry of a counted sorted set: member's score grows by
// weight while the document holds the entry (see put.lua).
func counted(suffix, member string, weight int64) entry {
	return entry{suffix: "+" + suffix, score: float64(weight), member: oneLine(member)}
}

// oneLine keeps a member on one line: documents list their entries one per
// line, tab-separated.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || r == '\r' {
			return ' '
		}
		return r
	}, s)
}

func rentCode(rentType string) string {
	if rentType == "" {
		return ""
	}
	return rentType[:1]
}

// Repair queues a write of a state read from MySQL; it never blocks.
func (s *Store) repair(fn func(context.Context) error) {
	select {
	case s.repairs <- func(ctx context.Context) {
		if err := fn(ctx); err != nil {
			s.log.Debug("read model repair failed", "err", err)
		}
	}:
	default:
	}
}

func (s *Store) RepairListing(st events.ListingState) {
	s.repair(func(ctx context.Context) error { _, err := s.PutListing(ctx, Current, st, nil); return err })
}

func (s *Store) RepairUser(st events.UserState) {
	s.repair(func(ctx context.Context) error { _, err := s.PutUser(ctx, Current, st, nil); return err })
}

// ---- reads ----

// masterReadTimeout bounds the second try of a read on the master: past it,
// MySQL answers sooner than a struggling Redis would.
const masterReadTimeout = 300 * time.Millisecond

// read runs fn on the replica client and, when that fails (the replica is
// down, still loading, or being promoted; a missing key is not a failure),
// once more on the master, so a lost replica costs one Redis round trip
// instead of sending every query to MySQL. With one Redis both clients are
// the same server and there is no second try.
func (s *Store) read(ctx context.Context, fn func(context.Context, goredis.UniversalClient) error) error {
	err := fn(ctx, s.replica)
	if err == nil || !s.masterFallback || ctx.Err() != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, masterReadTimeout)
	defer cancel()
	if merr := fn(mctx, s.master); merr != nil {
		return fmt.Errorf("replica: %v; master: %w", err, merr)
	}
	s.log.Debug("read from the master after the replica failed", "err", err)
	return nil
}

// Live returns a projection's live generation as last seen (NoGeneration: not built),
// looking it up again when the cached value is older than genTTL.
func (s *Store) Live(ctx context.Context, projection string) (string, error) {
	lg := s.gens[projection]
	if g := lg.seen.Load(); g != nil && time.Since(g.at) < genTTL {
		return g.gen, nil
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if g := lg.seen.Load(); g != nil && time.Since(g.at) < genTTL {
		return g.gen, nil
	}
	var gen string
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		gen, err = c.Get(ctx, s.keyspace(projection)+"gen").Result()
		if errors.Is(err, goredis.Nil) {
			gen, err = NoGeneration, nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading live generation of %s: %w", projection, err)
	}
	lg.seen.Store(&genSeen{gen: gen, at: time.Now()})
	return gen, nil
}

// ForgetGenerations makes the next reads look the live generations up again
// (called when a switch is announced).
func (s *Store) ForgetGenerations() {
	for _, lg := range s.gens {
		lg.seen.Store(nil)
	}
}

// base returns the key base of a projection's live generation, or ErrMiss
// when that read model is not built.
func (s *Store) base(ctx context.Context, projection string) (string, error) {
	gen, err := s.Live(ctx, projection)
	if err != nil {
		return "", err
	}
	if gen == NoGeneration {
		return "", query.ErrMiss
	}
	return s.keyspace(projection) + gen + ":", nil
}

func (s *Store) Listing(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, Listings, "listing:"+id.String())
}

func (s *Store) User(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, Users, "user:"+id.String())
}

var docFields = []string{"v", "d", "s", "o"}

func (s *Store) doc(ctx context.Context, projection, suffix string) (query.Doc, error) {
	base, err := s.base(ctx, projection)
	if err != nil {
		return query.Doc{}, err
	}
	var vals []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		vals, err = c.HMGet(ctx, base+suffix, docFields...).Result()
		return err
	})
	if err != nil {
		return query.Doc{}, fmt.Errorf("reading %s: %w", suffix, err)
	}
	d, ok := parseDoc(vals)
	if !ok {
		return query.Doc{}, query.ErrMiss
	}
	return d, nil
}

func parseDoc(vals []any) (query.Doc, bool) {
	v, _ := vals[0].(string)
	version, err := strconv.ParseInt(v, 10, 64)
	if err != nil || version <= 0 {
		return query.Doc{}, false
	}
	d := query.Doc{Version: version}
	body, _ := vals[1].(string)
	d.JSON = []byte(body)
	d.Status, _ = vals[2].(string)
	if owner, _ := vals[3].(string); owner != "" {
		d.Owner, _ = uuid.Parse(owner)
	}
	return d, true
}

func (s *Store) Listings(ctx context.Context, ids []uuid.UUID) ([]query.Doc, error) {
	return s.docs(ctx, Listings, "listing:", ids)
}

func (s *Store) SearchListings(ctx context.Context, f query.ListingFilter) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, 0, err
	}
	scope := "all"
	switch {
	case f.District != "":
		scope = "d:" + f.City + ":" + f.District
	case f.City != "":
		scope = "c:" + f.City
	}
	pmin, pmax := "-inf", "+inf"
	if f.PriceMin > 0 {
		pmin = strconv.FormatInt(f.PriceMin, 10)
	}
	if f.PriceMax > 0 {
		pmax = strconv.FormatInt(f.PriceMax, 10)
	}
	beds := ""
	if f.Bedrooms != nil {
		beds = strconv.Itoa(*f.Bedrooms)
	}
	// Dates are checked against the orders read model, the views sort reads
	// the views read model: their live generations, or a miss.
	var first, last, ordersBase, viewsBase string
	if f.Dated() {
		if ordersBase, err = s.base(ctx, Orders); err != nil {
			return nil, 0, err
		}
		first, last = strconv.FormatInt(events.Day(f.From), 10), strconv.FormatInt(events.Day(f.To), 10)
	}
	if f.Sort == query.SortViews {
		if viewsBase, err = s.base(ctx, Views); err != nil {
			return nil, 0, err
		}
	}
	var res []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		res, err = searchScript.RunRO(ctx, c, nil, base, scope, f.Sort, pmin, pmax, beds, rentCode(f.RentType),
			s.cat.FacilityMask(f.Facilities), (f.Page-1)*f.PageSize, f.PageSize, f.Keyword, first, last, ordersBase,
			events.MaxStayDays, viewsBase, s.keywordBudget, s.dateBudget).Slice()
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("searching listings: %w", err)
	}
	total, _ := res[0].(int64)
	if total < 0 {
		return nil, 0, query.ErrMiss // over a budget: MySQL answers
	}
	members := make([]string, 0, len(res)-1)
	for _, m := range res[1:] {
		member, _ := m.(string)
		members = append(members, member)
	}
	ids, err := memberIDs(members)
	return ids, int(total), err
}

func (s *Store) LandlordListings(ctx context.Context, landlord uuid.UUID, offset, limit int) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, 0, err
	}
	members, total, err := s.zpage(ctx, base+"ix:landlord:"+landlord.String(), offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading listings of landlord %s: %w", landlord, err)
	}
	ids, err := memberIDs(members)
	return ids, total, err
}

// zpage reads the size of a sorted set and one page of it, highest score first.
func (s *Store) zpage(ctx context.Context, key string, offset, limit int) ([]string, int, error) {
	var card *goredis.IntCmd
	var page *goredis.StringSliceCmd
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		card = pipe.ZCard(ctx, key)
		page = pipe.ZRevRange(ctx, key, int64(offset), int64(offset+limit-1))
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return page.Val(), int(card.Val()), nil
}
