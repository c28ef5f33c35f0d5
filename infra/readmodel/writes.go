package readmodel

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
)

// The writes: every document goes through put.lua, a version compare-and-set
// that also moves the document's index entries (see put.lua).

var (
	//go:embed ords.lua
	ordsSource string
	//go:embed put.lua
	putSource string
	// put.lua reads a listing's stays no longer than events.MaxStayDays
	// before the span it recomputes (avail).
	putScript = goredis.NewScript(ordsSource + "local maxStayDays = " + strconv.Itoa(events.MaxStayDays) + "\n" + putSource)
)

// entry is one index membership of a document; see put.lua for the kinds
// (the first character of suffix): plain sorted set, '+' counted sorted
// set, '=' hash field (value is the field's value).
type entry struct {
	suffix string
	score  float64
	member string
	value  string
}

// docs is how the states of one aggregate type become writes: the one
// table row behind its projector's Put, the check's Expect and a query's
// Repair, so the three cannot drift. It builds the write without the
// document's body, which write adds. It takes the state by pointer: a
// listing's state is over 500 bytes, and copied down a worker's call chain it
// made each message's goroutine grow its stack (docs/ARCHITECTURE.md, "Workers").
type docs[S any] func(s *Store, st *S) (write, error)

// The aggregates the read models hold (orders.go and activity.go have the
// builders of the last four).
var (
	listingDocs  = docs[events.ListingState]((*Store).listingWrite)
	userDocs     = docs[events.UserState]((*Store).userWrite)
	orderDocs    = docs[events.OrderState]((*Store).orderWrite)
	favoriteDocs = docs[events.FavoriteState]((*Store).favoriteWrite)
	viewsDocs    = docs[events.ListingViewsState]((*Store).listingViewsWrite)
	historyDocs  = docs[events.HistoryState]((*Store).historyWrite)
)

// write builds the write of st. doc is st's JSON when the caller has it (an
// event's payload is its state encoded by the same type, so encoding it
// again would only cost time); nil encodes st now.
func (d docs[S]) write(s *Store, st *S, doc []byte) (write, error) {
	w, err := d(s, st)
	if err != nil {
		return write{}, err
	}
	if w.doc = doc; doc == nil {
		if w.doc, err = json.Marshal(st); err != nil {
			return write{}, fmt.Errorf("encoding %s: %w", w.suffix, err)
		}
	}
	return w, nil
}

// put applies st to generation gen (Current: live and building). It returns
// whether any generation took it (false: an equal or newer version is there).
func (d docs[S]) put(ctx context.Context, s *Store, gen string, st *S, doc []byte) (bool, error) {
	w, err := d.write(s, st, doc)
	if err != nil {
		return false, err
	}
	return s.putWrite(ctx, gen, w, false)
}

// repair rewrites st's document in the background (a query found it missing or stale).
func (d docs[S]) repair(s *Store, st S) {
	s.repair(func(ctx context.Context) error { _, err := d.put(ctx, s, Current, &st, nil); return err })
}

// The projectors' writes (worker.ReadModels), one for each aggregate.

func (s *Store) PutListing(ctx context.Context, gen string, st events.ListingState, doc []byte) (bool, error) {
	return listingDocs.put(ctx, s, gen, &st, doc)
}

func (s *Store) PutUser(ctx context.Context, gen string, st events.UserState, doc []byte) (bool, error) {
	return userDocs.put(ctx, s, gen, &st, doc)
}

func (s *Store) PutOrder(ctx context.Context, gen string, st events.OrderState, doc []byte) (bool, error) {
	return orderDocs.put(ctx, s, gen, &st, doc)
}

func (s *Store) PutFavorite(ctx context.Context, gen string, st events.FavoriteState, doc []byte) (bool, error) {
	return favoriteDocs.put(ctx, s, gen, &st, doc)
}

func (s *Store) PutListingViews(ctx context.Context, gen string, st events.ListingViewsState, doc []byte) (bool, error) {
	return viewsDocs.put(ctx, s, gen, &st, doc)
}

func (s *Store) PutHistory(ctx context.Context, gen string, st events.HistoryState, doc []byte) (bool, error) {
	return historyDocs.put(ctx, s, gen, &st, doc)
}

// The queries' repairs (query.Repairer).

func (s *Store) RepairListing(st events.ListingState) { listingDocs.repair(s, st) }
func (s *Store) RepairUser(st events.UserState)       { userDocs.repair(s, st) }
func (s *Store) RepairOrder(st events.OrderState)     { orderDocs.repair(s, st) }

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
	// area groups writes whose entries share keys (a listing's city and
	// district): a rebuild puts a call's documents together by it (fresh.go).
	area string
}

func (s *Store) listingWrite(st *events.ListingState) (write, error) {
	text := gramText(st) // the summary and the keyword index both hold it
	return write{projection: Listings, suffix: "listing:" + st.ID.String(), version: st.Version,
		status: st.Status, owner: st.LandlordID.String(), notice: docNotice(NoticeListing, st.ID, st.Version, listingSummary(st, text)),
		entries: s.listingEntries(st, text), area: st.City + ":" + st.District}, nil
}

func (s *Store) userWrite(st *events.UserState) (write, error) {
	return write{projection: Users, suffix: "user:" + st.ID.String(), version: st.Version, notice: docNotice(NoticeUser, st.ID, st.Version)}, nil
}

// putWrite runs put.lua: in a batch it is queued, otherwise sent at once.
// repair also rewrites a document at the same version (see put.lua).
func (s *Store) putWrite(ctx context.Context, gen string, w write, repair bool) (bool, error) {
	if s.fresh != nil && gen != Current && !repair && s.queueFresh(gen, w) {
		return true, nil // known only when the batch is sent
	}
	args := s.putArgs(gen, w, repair)
	if s.pipe != nil {
		putScript.EvalSha(ctx, s.pipe, nil, args...)
		return true, nil // known only when the batch is sent
	}
	n, err := s.writes.put(ctx, args)
	if err != nil {
		return false, fmt.Errorf("writing read model %s v%d: %w", w.suffix, w.version, err)
	}
	return n > 0, nil
}

// repairMarker is put.lua's same-version flag: rewrite a document at the
// version it has (the check's repair).
const repairMarker = "repair"

// removeMarker is put.lua's removal flag: delete a document at exactly its
// version with its entries (the check's removal of an orphan).
const removeMarker = "remove"

func (s *Store) putArgs(gen string, w write, repair bool) []any {
	// Each string put in an []any is boxed, an allocation per argument: a
	// listing's write has about 80. The arguments are kept in one []string
	// instead and passed as pointers into it, which box without allocating
	// (go-redis writes a *string as the string).
	n := 10 + 3*len(w.entries)
	if repair {
		n++
	}
	strs := make([]string, 0, n)
	strs = append(strs, s.keyspace(w.projection), gen, w.suffix, strconv.FormatInt(w.version, 10), "", w.status, w.owner, w.notice,
		s.ChangesChannel(), strconv.Itoa(len(w.entries)))
	for _, e := range w.entries {
		strs = append(strs, e.suffix, e.arg(), e.member)
	}
	if repair {
		strs = append(strs, repairMarker)
	}
	args := make([]any, len(strs))
	for i := range strs {
		args[i] = &strs[i]
	}
	args[4] = w.doc // the document's JSON, as it is
	return args
}

// arg is the entry's score (or, for a hash field, its value) as put.lua gets
// it, and as the document's ix lists it: the shortest decimal that reads back
// as the score (an integer's digits, without FormatFloat's search for them).
func (e entry) arg() string {
	if k := kindOf(e.suffix); k == hashEntry || k == textEntry || k == stayEntry {
		return e.value
	}
	if i := int64(e.score); float64(i) == e.score && i > -1<<53 && i < 1<<53 && (i != 0 || !math.Signbit(e.score)) {
		return strconv.FormatInt(i, 10)
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

// listingEntries are the index memberships of a listing in this state; text
// is its gramText.
func (s *Store) listingEntries(st *events.ListingState, text string) []entry {
	if st.Status == events.StatusDeleted {
		return nil
	}
	landlord := sorted("ix:landlord:"+st.LandlordID.String(), float64(st.CreatedAt.UnixMilli()), st.ID.String())
	if st.Status != events.StatusPublished {
		return []entry{landlord}
	}
	var published int64
	if st.PublishedAt != nil {
		published = st.PublishedAt.UnixMilli()
	}
	id := landlord.member
	out := make([]entry, 0, 24+len(st.Facilities)) // one allocation for what follows
	out = append(out, landlord)
	// The bookings count is the score of the bookings ranking, not part of
	// the member: a booking then updates a score instead of moving the
	// listing in every index. The home page's rankings and the similar
	// listings (discovery.go) read these; the search reads the bitmaps below.
	rent, beds := rentCode(st.RentType), strconv.Itoa(st.Bedrooms)
	member := id + "|" + beds + "|" + rent + "|" + strconv.FormatInt(st.Price, 10) + "|" + strconv.FormatInt(published, 10) + "|" +
		strconv.FormatUint(s.cat.FacilityMask(st.Facilities), 10)
	out = append(out,
		sorted("ix:listing:all:new", float64(published), member),
		sorted("ix:listing:all:bookings", float64(st.Bookings), member),
		sorted("ix:listing:d:"+st.City+":"+st.District+":price", float64(st.Price), member))
	// The search's bitmaps (search.go), each at the listing's ordinal.
	out = append(out, bit("bm:s:all", id), bit("bm:s:c:"+st.City, id), bit("bm:s:d:"+st.City+":"+st.District, id),
		bit("bm:b:"+beds, id), bit("bm:r:"+rent, id))
	for _, f := range st.Facilities {
		out = append(out, bit("bm:f:"+f, id))
	}
	out = append(out, bitSliced("bm:p", st.Price, id), bitSliced("bm:t", published, id), bitSliced("bm:k", st.Bookings, id),
		entry{suffix: "$bm:x", member: id, value: text},
		counted("sg:title", st.Title, 1))
	if st.Block != "" {
		out = append(out, counted("sg:block", st.Block, 1))
	}
	// District charts: kept by the same compare-and-set, so they follow every
	// change of every listing exactly once.
	stats := "st:" + st.City + ":" + st.District + ":"
	out = append(out,
		sorted(stats+"pts", st.AreaSqm, id+"|"+strconv.FormatFloat(st.AreaSqm, 'f', -1, 64)+"|"+strconv.FormatInt(st.Price, 10)),
		counted(stats+"beds", beds, 1), counted(stats+"bedprice", beds, st.Price))
	if st.Community != "" {
		out = append(out, counted(stats+"comm", st.Community, 1))
	}
	return out
}

// bit is an entry of a bitmap: the bit of listing id's ordinal (put.lua).
func bit(suffix, id string) entry { return entry{suffix: "!" + suffix, score: 1, member: id} }

// bitSliced is a value of listing id, one bit per slice (put.lua). A negative
// value (never written) counts as 0.
func bitSliced(suffix string, v int64, id string) entry {
	return entry{suffix: "#" + suffix, score: float64(max(v, 0)), member: id}
}

// gramText is the listing's search text as the read model keeps it: its
// fields separated by \r instead of \n (and a tab made \r too), so it stays
// on one line of the document's entries. No keyword holds \r, \n or \t, so
// it matches this text exactly where it matches SearchText.
func gramText(st *events.ListingState) string { return crText(st.SearchText()) }

// crText turns the line breaks and tabs of a text into \r: one line without
// a tab, the separators of what holds it, its fields still apart.
func crText(s string) string { return replaceRunes(s, "\n\t", '\r') }

// replaceRunes replaces each rune of s that is one of those with by.
func replaceRunes(s, those string, by rune) string {
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(those, r) {
			return by
		}
		return r
	}, s)
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
func oneLine(s string) string { return replaceRunes(s, "\n\t\r", ' ') }

func rentCode(rentType string) string {
	if rentType == "" {
		return ""
	}
	return rentType[:1]
}
