package readmodel

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// The listing search. put.lua keeps bitmaps over listing ordinals (ords.go):
//
//	listings generation
//	  bm:s:all, bm:s:c:<city>, bm:s:d:<city>:<district>   published listings in each scope
//	  bm:b:<bedrooms>, bm:r:<w|s>, bm:f:<facility>        the filters
//	  bm:p:<i>, bm:t:<i>, bm:k:<i>                        price, publication time (ms), bookings: bit i of each
//	  bm:x:<chunk>                                        hash: each listing's search text by ordinal, 128 a chunk
//	views generation   bm:v:<i>   view counts, bit-sliced
//	orders generation  bm:a:…     days held, stays' starts and ends (put.lua, avail)
//	bmv (each generation): a counter per family (the letter after bm:; x:<chunk> for each chunk of texts),
//	                       bumped by every write that changes one
//
// A search reads the counters (one HMGET per read model), the bitmaps it
// needs that changed since it last read them (MGET, at most searchMGet keys a
// call), and combines them here: the filters by AND, the price range and
// every order as bit-sliced comparisons, the dates from checkpoints and
// starts, a keyword by scanning the texts of the listings the other filters
// kept (the chunks of texts whose counter moved are read again: HGETALL of
// at most 128 fields). The page is found by selecting its first and last
// rank in the order (selectRank), so no Redis call reads more than a bounded
// number of bytes, and the api's own cost grows with the bitmaps (and a
// keyword's candidates), not with the page depth.

// Widths of the bit-sliced values.
const (
	priceBits   = 24 // command.MaxPrice is 10,000,000 < 2^24
	timeBits    = 42 // publication time in ms, until 2109
	bookingBits = 24
	viewBits    = 40
	textChunk   = 128 // texts per hash (put.lua): HGETALL of one costs Redis ~60 µs with every text at its longest
	searchMGet  = 32  // bitmaps per MGET: at most ~400 KB at 100,000 listings
	searchBatch = 4   // MGETs per pipeline
	textBatch   = 16  // chunks of texts per pipeline: ~0.4 MB of demo texts, ~1 ms of Redis (see keyword)
)

// searchLayout marks a generation whose documents write the search bitmaps
// as this code reads them (bitmaps-2: texts 128 a chunk, not 512); an older
// one is searched by MySQL until a replay.
const searchLayout = "bitmaps-2"

// readsLayout reports whether this code searches a generation of projection
// with that layout marker: bitmaps-1 differs from bitmaps-2 only in the
// listings' texts (512 a chunk), so the orders and views built then still do.
func readsLayout(projection, layout string) bool {
	return layout == searchLayout || (projection != Listings && layout == "bitmaps-1")
}

// families of bitmaps (the bmv fields).
var families = []string{"s", "b", "r", "f", "p", "t", "k", "g", "v", "a"}

// bitCache keeps the bitmaps and texts this process read, under the family
// counter they were read at.
type bitCache struct {
	mu    sync.Mutex
	m     map[string]cachedBits
	bytes int
}

type cachedBits struct {
	ver   string
	b     bitmap
	texts *chunkTexts
}

// bitCacheBytes bounds the cache: past it, half of it is dropped.
const bitCacheBytes = 256 << 20

// ForgetSearchBitmaps empties this process's copies of the search bitmaps,
// so the next searches read every bitmap again (the benchmark's worst case).
func (s *Store) ForgetSearchBitmaps() {
	s.bitCache.mu.Lock()
	s.bitCache.m, s.bitCache.bytes = nil, 0
	s.bitCache.mu.Unlock()
}

func (c *bitCache) get(key, ver string) (bitmap, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.ver != ver {
		return nil, false
	}
	return e.b, true
}

func (c *bitCache) put(key string, e cachedBits) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]cachedBits{}
	}
	if old, ok := c.m[key]; ok {
		c.bytes -= old.size()
	}
	c.m[key] = e
	c.bytes += e.size()
	if c.bytes > bitCacheBytes {
		for k, e := range c.m { // map order is random: a random half goes
			if c.bytes <= bitCacheBytes/2 {
				break
			}
			delete(c.m, k)
			c.bytes -= e.size()
		}
	}
}

func (e cachedBits) size() int {
	n := 8 * len(e.b)
	if e.texts != nil {
		n += len(e.texts.all) + 4*len(e.texts.at) + 40*keywordsPerChunk
	}
	return n
}

func (c *bitCache) texts(key, ver string) (*chunkTexts, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || e.ver != ver || e.texts == nil {
		return nil, false
	}
	return e.texts, true
}

// searchRead is what one search reads: the read models' generations and
// counters, the ordinals, and the bitmaps it asks for.
type searchRead struct {
	s     *Store
	bases map[string]string            // projection → generation base
	vers  map[string]map[string]string // base → family → counter
	ords  *ordSnap
	want  map[string]string // full key → version it must have
	got   map[string]bitmap
}

func (s *Store) SearchListings(ctx context.Context, f query.ListingFilter) ([]uuid.UUID, int, error) {
	r := &searchRead{s: s, bases: map[string]string{}, want: map[string]string{}, got: map[string]bitmap{}}
	projections := []string{Listings}
	if f.Dated() {
		projections = append(projections, Orders)
	}
	if f.Sort == query.SortViews {
		projections = append(projections, Views)
	}
	for _, p := range projections {
		base, err := s.base(ctx, p)
		if err != nil {
			return nil, 0, err
		}
		r.bases[p] = base
	}
	if err := r.begin(ctx); err != nil {
		return nil, 0, err
	}
	n := len(r.ords.ids)
	if n == 0 {
		return nil, 0, nil
	}
	q := r.plan(f)
	if err := r.fetch(ctx); err != nil {
		return nil, 0, err
	}
	m := q.matches(r, n)
	if f.Keyword != "" {
		if err := r.keyword(ctx, m, f.Keyword); err != nil {
			return nil, 0, err
		}
	}
	total := m.count()
	offset := (f.Page - 1) * f.PageSize
	if offset >= total {
		return nil, total, nil
	}
	page := pageOf(m, q.order(r), offset, min(offset+f.PageSize, total)-1)
	ids := make([]uuid.UUID, len(page))
	for i, o := range page {
		ids[i] = r.ords.ids[o]
	}
	return ids, total, nil
}

// begin reads the family counters of each read model the search uses, that
// their generations carry the search bitmaps, and the ordinals.
func (r *searchRead) begin(ctx context.Context) error {
	s := r.s
	var vers map[string]*goredis.SliceCmd
	var layouts map[string]*goredis.StringCmd
	var seq, space *goredis.StringCmd
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		vers, layouts = map[string]*goredis.SliceCmd{}, map[string]*goredis.StringCmd{}
		for _, base := range r.bases {
			vers[base] = pipe.HMGet(ctx, base+"bmv", families...)
			layouts[base] = pipe.Get(ctx, base+"layout")
		}
		seq, space = pipe.Get(ctx, s.ordKey()+":seq"), pipe.Get(ctx, s.ordKey()+":space")
		_, err := pipe.Exec(ctx)
		if err == goredis.Nil {
			err = nil
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("reading the search index's counters: %w", err)
	}
	r.vers = map[string]map[string]string{}
	for p, base := range r.bases {
		if !readsLayout(p, layouts[base].Val()) {
			return query.ErrMiss // built before the search bitmaps: MySQL until a replay
		}
	}
	for base, c := range vers {
		v := map[string]string{}
		for i, x := range c.Val() {
			str, _ := x.(string)
			v[families[i]] = str
		}
		r.vers[base] = v
	}
	n, _ := strconv.Atoi(seq.Val())
	r.ords, err = s.ords(ctx, space.Val(), n)
	return err
}

// need asks for a bitmap of a read model: key is "bm:<family>:…".
func (r *searchRead) need(projection, key string) string {
	base := r.bases[projection]
	full := base + key
	r.want[full] = r.vers[base][key[3:4]]
	return full
}

// fetch reads the bitmaps asked for that the cache does not have at their
// version, searchMGet a call.
func (r *searchRead) fetch(ctx context.Context) error {
	var missing []string
	for k, ver := range r.want {
		if b, ok := r.s.bitCache.get(k, ver); ok {
			r.got[k] = b
		} else {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	// searchBatch MGETs a round trip (~1.6 MB at 100,000 listings), for the
	// read timeout's sake on a busy machine.
	for batch := range slices.Chunk(missing, searchMGet*searchBatch) {
		var cmds []*goredis.SliceCmd
		err := r.s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
			pipe := c.Pipeline()
			cmds = cmds[:0]
			for part := range slices.Chunk(batch, searchMGet) {
				cmds = append(cmds, pipe.MGet(ctx, part...))
			}
			_, err := pipe.Exec(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("reading the search index: %w", err)
		}
		i := 0
		for _, c := range cmds {
			for _, v := range c.Val() {
				k := batch[i]
				i++
				str, _ := v.(string)
				b := make(bitmap, (len(r.ords.ids)+63)/64)
				fromRedis(b, str, 0)
				r.s.bitCache.put(k, cachedBits{ver: r.want[k], b: b})
				r.got[k] = b
			}
		}
	}
	return nil
}

// bits returns a bitmap asked for (absent in Redis: empty).
func (r *searchRead) bits(full string) bitmap { return r.got[full] }

// slicesOf asks for the width slices of a bit-sliced value.
func (r *searchRead) slicesOf(projection, family string, width int) []string {
	keys := make([]string, width)
	for i := range keys {
		keys[i] = r.need(projection, "bm:"+family+":"+strconv.Itoa(i))
	}
	return keys
}

func (r *searchRead) sliced(keys []string) sliced {
	out := make(sliced, len(keys))
	for i, k := range keys {
		out[i] = r.bits(k)
	}
	return out
}

// plan is a search as bitmap keys.
type plan struct {
	f        query.ListingFilter
	scope    string
	and      []string
	price    []string
	dates    *datePlan
	sortKeys []string
	sortAsc  bool
}

func (r *searchRead) plan(f query.ListingFilter) *plan {
	q := &plan{f: f}
	switch {
	case f.District != "":
		q.scope = r.need(Listings, "bm:s:d:"+f.City+":"+f.District)
	case f.City != "":
		q.scope = r.need(Listings, "bm:s:c:"+f.City)
	default:
		q.scope = r.need(Listings, "bm:s:all")
	}
	if f.Bedrooms != nil {
		q.and = append(q.and, r.need(Listings, "bm:b:"+strconv.Itoa(*f.Bedrooms)))
	}
	if f.RentType != "" {
		q.and = append(q.and, r.need(Listings, "bm:r:"+rentCode(f.RentType)))
	}
	for _, fac := range f.Facilities {
		q.and = append(q.and, r.need(Listings, "bm:f:"+fac))
	}
	if f.PriceMin > 0 || f.PriceMax > 0 || f.Sort == query.SortPriceAsc || f.Sort == query.SortPriceDesc {
		q.price = r.slicesOf(Listings, "p", priceBits)
	}
	if f.Dated() {
		q.dates = r.planDates(events.Day(f.From), events.Day(f.To))
	}
	switch f.Sort {
	case query.SortPriceAsc:
		q.sortKeys, q.sortAsc = q.price, true
	case query.SortPriceDesc:
		q.sortKeys = q.price
	case query.SortBookings:
		q.sortKeys = r.slicesOf(Listings, "k", bookingBits)
	case query.SortViews:
		q.sortKeys = r.slicesOf(Views, "v", viewBits)
	default:
		q.sortKeys = r.slicesOf(Listings, "t", timeBits)
	}
	return q
}

// matches is the set of listings the search's filters keep. It goes a word
// (64 ordinals) at a time through every filter, and leaves a word as soon as
// one has emptied it: a narrow scope or filter spares the price and date
// comparisons of most words, and nothing but the answer is allocated.
func (q *plan) matches(r *searchRead, n int) bitmap {
	m := newBitmap(n)
	scope := r.bits(q.scope)
	and := make([]bitmap, len(q.and))
	for i, k := range q.and {
		and[i] = r.bits(k)
	}
	var price sliced
	if q.price != nil && (q.f.PriceMin > 0 || q.f.PriceMax > 0) {
		price = r.sliced(q.price)
	}
	var dates *dateBits
	if q.dates != nil {
		dates = q.dates.resolve(r)
	}
	for j := range m {
		w := scope.word(j)
		if j == len(m)-1 && n%64 != 0 {
			w &= 1<<(n%64) - 1 // ordinals past the table: see bitmap.limit
		}
		for _, b := range and {
			if w == 0 {
				break
			}
			w &= b.word(j)
		}
		if w != 0 && q.f.PriceMin > 0 {
			w = price.atLeastWord(w, j, uint64(q.f.PriceMin))
		}
		if w != 0 && q.f.PriceMax > 0 {
			w = price.atMostWord(w, j, uint64(q.f.PriceMax))
		}
		if w != 0 && dates != nil {
			w &^= dates.held(j)
		}
		m[j] = w
	}
	return m
}

// keyword keeps in m the listings whose search text holds keyword: a plain
// substring, as MySQL's INSTR on search_text. The texts come by chunks of
// textChunk ordinals, each read again only when its counter moved, and only
// the chunks m has listings in.
func (r *searchRead) keyword(ctx context.Context, m bitmap, keyword string) error {
	base := r.bases[Listings]
	var chunks []int
	for c := 0; c*textChunk < len(m)*64; c++ {
		lo, hi := c*textChunk/64, min((c+1)*textChunk/64, len(m))
		for _, w := range m[lo:hi] {
			if w != 0 {
				chunks = append(chunks, c)
				break
			}
		}
	}
	if len(chunks) == 0 {
		return nil
	}
	fields := make([]string, len(chunks))
	for i, c := range chunks {
		fields[i] = "x:" + strconv.Itoa(c)
	}
	var vers []any
	err := r.s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		vers, err = c.HMGet(ctx, base+"bmv", fields...).Result()
		return err
	})
	if err != nil {
		return fmt.Errorf("reading the texts' counters: %w", err)
	}
	texts := make([]*chunkTexts, len(chunks))
	var stale []int
	for i, c := range chunks {
		ver, _ := vers[i].(string)
		if t, ok := r.s.bitCache.texts(base+"bm:x:"+strconv.Itoa(c), ver); ok {
			texts[i] = t
		} else {
			stale = append(stale, i)
		}
	}
	// A pipeline of textBatch chunks at a time: reading every text (a cold
	// api) is ~15 MB at 100,000 listings, too much for one round trip's
	// read timeout on a busy machine. And Redis runs the HGETALLs of one
	// read of a pipeline back to back (they are small: 64 fit its 16 KB
	// read) while every other client waits: 64 of ~60 µs each held it ~4 ms,
	// 16 hold it about 1 ms.
	for part := range slices.Chunk(stale, textBatch) {
		var cmds []*goredis.MapStringStringCmd
		err := r.s.read(ctx, func(ctx context.Context, cl goredis.UniversalClient) error {
			pipe := cl.Pipeline()
			cmds = cmds[:0]
			for _, i := range part {
				cmds = append(cmds, pipe.HGetAll(ctx, base+"bm:x:"+strconv.Itoa(chunks[i])))
			}
			_, err := pipe.Exec(ctx)
			return err
		})
		if err != nil {
			return fmt.Errorf("reading the listings' texts: %w", err)
		}
		for j, i := range part {
			t := joinTexts(chunks[i], cmds[j].Val())
			ver, _ := vers[i].(string)
			r.s.bitCache.put(base+"bm:x:"+strconv.Itoa(chunks[i]), cachedBits{ver: ver, texts: t})
			texts[i] = t
		}
	}
	for i, c := range chunks {
		lo := c * textChunk / 64
		texts[i].keep(m[lo:min(lo+textChunk/64, len(m))], keyword)
	}
	return nil
}

// chunkTexts are the search texts of a chunk of textChunk ordinals at one
// counter of the chunk, joined into one string (each ended by textEnd): a
// keyword is found by one scan of the chunk instead of a call per text
// (strings.Index over a long string moves to its vectorised search, where a
// short text's call spends its time starting up: a Chinese keyword's first
// byte is in almost every text). The texts of a counter never change, so
// which of them hold a keyword is kept beside them (at most
// keywordsPerChunk keywords): a popular keyword is scanned for once per
// chunk and change, and an edit elsewhere leaves this chunk's answers be.
type chunkTexts struct {
	all string
	at  []int32 // text i is all[at[i]:at[i+1]-1]

	mu    sync.Mutex
	holds map[string][textChunk / 64]uint64 // keyword → the texts holding it
}

// textEnd ends each text in chunkTexts.all: a byte no keyword holds (those
// that do are looked for text by text).
const textEnd = "\x00"

// keywordsPerChunk bounds the keywords a chunk remembers (past it they are
// forgotten, all at once): ~40 bytes each, ~25 MB at 782 chunks.
const keywordsPerChunk = 1024

func joinTexts(chunk int, fields map[string]string) *chunkTexts {
	texts := make([]string, textChunk)
	for field, text := range fields {
		if o, err := strconv.Atoi(field); err == nil && o >= chunk*textChunk && o < (chunk+1)*textChunk {
			texts[o-chunk*textChunk] = text
		}
	}
	var b strings.Builder
	t := &chunkTexts{at: make([]int32, 0, textChunk+1)}
	for _, text := range texts {
		t.at = append(t.at, int32(b.Len()))
		b.WriteString(text)
		b.WriteString(textEnd)
	}
	t.at = append(t.at, int32(b.Len()))
	t.all = b.String()
	return t
}

func (t *chunkTexts) text(i int) string { return t.all[t.at[i] : t.at[i+1]-1] }

// keep clears in words, the candidates of this chunk (ordinal i of the chunk
// being bit i), those whose text does not hold keyword.
func (t *chunkTexts) keep(words []uint64, keyword string) {
	empty := true
	for _, w := range words {
		empty = empty && w == 0
	}
	if empty {
		return
	}
	holds := t.holding(keyword)
	for j := range words {
		words[j] &= holds[j]
	}
}

// holding returns the texts that hold keyword: remembered, or found by
// scanning the chunk once, each hit marking its text and the scan going on
// from the next text.
func (t *chunkTexts) holding(keyword string) [textChunk / 64]uint64 {
	t.mu.Lock()
	found, ok := t.holds[keyword]
	t.mu.Unlock()
	if ok {
		return found
	}
	if strings.Contains(keyword, textEnd) {
		for k := range textChunk {
			if strings.Contains(t.text(k), keyword) {
				found[k/64] |= 1 << (k % 64)
			}
		}
	} else {
		for from := 0; from < len(t.all); {
			i := strings.Index(t.all[from:], keyword)
			if i < 0 {
				break
			}
			k := sort.Search(len(t.at), func(x int) bool { return int(t.at[x]) > from+i }) - 1
			found[k/64] |= 1 << (k % 64)
			from = int(t.at[k+1])
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.holds == nil || len(t.holds) >= keywordsPerChunk {
		t.holds = map[string][textChunk / 64]uint64{}
	}
	t.holds[keyword] = found
	return found
}

// order is the search's order as a composite key; ties go by id (ascending
// with price_asc, descending otherwise), as MySQL orders them.
func (q *plan) order(r *searchRead) []key {
	return []key{{s: r.sliced(q.sortKeys), asc: q.sortAsc}, {s: r.ords.rank, asc: q.sortAsc}}
}

// pageOf returns the ordinals of ranks first to last of m in the order of
// parts, in that order.
func pageOf(m bitmap, parts []key, first, last int) []int {
	before, _ := selectRank(m, parts, first)
	upTo, at := selectRank(m, parts, last)
	upTo.or(at)
	upTo.andNot(before)
	// Each item's key read once (not once per comparison), then sorted.
	type item struct {
		o    int
		vals []uint64
	}
	var items []item
	upTo.each(func(o int) {
		vals := make([]uint64, len(parts))
		for i, p := range parts {
			vals[i] = p.s.value(o)
		}
		items = append(items, item{o, vals})
	})
	slices.SortFunc(items, func(a, b item) int {
		for i, p := range parts {
			c := cmp.Compare(a.vals[i], b.vals[i])
			if !p.asc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.o, b.o)
	})
	page := make([]int, len(items))
	for i, it := range items {
		page[i] = it.o
	}
	return page
}

// datePlan finds the listings busy in [first, last): held on first, or with
// a stay starting after first and before last (put.lua, avail).
type datePlan struct {
	first      int64
	checkpoint string
	ends       []string // days checkpoint+1 … first: stays ending, starting
	starts     []string
	blocks     []string // whole blocks of starts in (first, last)
}

func (r *searchRead) planDates(first, last int64) *datePlan {
	d := &datePlan{first: first}
	cp := first - first%8
	d.checkpoint = r.need(Orders, "bm:a:c:"+strconv.FormatInt(cp, 10))
	for x := cp + 1; x <= first; x++ {
		day := strconv.FormatInt(x, 10)
		d.ends = append(d.ends, r.need(Orders, "bm:a:e:"+day))
		d.starts = append(d.starts, r.need(Orders, "bm:a:s0:"+day))
	}
	for lo, hi := first+1, last-1; lo <= hi; {
		for _, k := range []int64{9, 6, 3, 0} {
			size := int64(1) << k
			if lo%size == 0 && lo+size-1 <= hi {
				d.blocks = append(d.blocks, r.need(Orders, "bm:a:s"+strconv.FormatInt(k, 10)+":"+strconv.FormatInt(lo>>k, 10)))
				lo += size
				break
			}
		}
	}
	return d
}

// dateBits are a datePlan's bitmaps, read.
type dateBits struct {
	checkpoint   bitmap
	ends, starts []bitmap
	blocks       []bitmap
}

func (d *datePlan) resolve(r *searchRead) *dateBits {
	out := &dateBits{checkpoint: r.bits(d.checkpoint)}
	for i := range d.ends {
		out.ends = append(out.ends, r.bits(d.ends[i]))
		out.starts = append(out.starts, r.bits(d.starts[i]))
	}
	for _, k := range d.blocks {
		out.blocks = append(out.blocks, r.bits(k))
	}
	return out
}

// held is word j of the listings busy in the window: held on the
// checkpoint, less the stays ending and plus those starting up to the first
// day, plus every stay starting inside the window.
func (d *dateBits) held(j int) uint64 {
	w := d.checkpoint.word(j)
	for i := range d.ends {
		w = w&^d.ends[i].word(j) | d.starts[i].word(j)
	}
	for _, b := range d.blocks {
		w |= b.word(j)
	}
	return w
}
