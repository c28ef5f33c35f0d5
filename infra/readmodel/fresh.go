package readmodel

import (
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	goredis "github.com/redis/go-redis/v9"
)

// Writes into a generation being rebuilt (replay): fresh.lua writes the
// documents the generation does not hold yet, many per call, their entries
// grouped by key here (one ZADD per sorted set, one HSET per hash, one
// BITFIELD per bitmap (offsets only), the counted entries summed per member), so the
// script does no work per entry; put.lua writes the rest.

var (
	//go:embed fresh.lua
	freshSource string
	freshScript = goredis.NewScript(freshSource)
	//go:embed ords_assign.lua
	ordsAssignSource string
	ordsAssignScript = goredis.NewScript(ordsAssignSource)
)

// A fresh.lua call holds at most freshDocs documents and freshOps
// operations (an entry, or a bit of a bit-sliced value): a call runs alone
// on Redis, so it is kept short. A listing is about 40 operations and costs
// Redis ~70-80 µs inside the call at 100,000 listings; calls of 1,500
// operations (~37 listings) averaged 2.65 ms (INFO commandstats, 2026-12-04),
// past the 2 ms every call keeps, and calls of 500 (~12) still reached
// 2.6 ms with Redis never preempted, so a call takes ~10 listings, ~0.8 ms
// (docs/BENCHMARKS.md, "Issue 12: replay, 2026-12-04").
const (
	freshDocs = 16
	freshOps  = 400
	// freshPerPipe is how many calls one pipeline carries.
	freshPerPipe = 8
	// ordsPerCall is how many listings one ords_assign.lua call numbers
	// (~6 µs each: calls of 250 took up to 1.9 ms with Redis never
	// preempted, too close to the 2 ms bound).
	ordsPerCall = 128
)

// RebuildBatch is Batch for a replay: writes into a named generation that is
// being built go through fresh.lua when flushed, the rest as Batch sends them.
// The generation must not be live (fresh.lua then leaves every document to
// put.lua, which announces the change).
func (s *Store) RebuildBatch() (*Store, func(context.Context) error) {
	b, flush := s.Batch()
	b.fresh = &freshQueue{}
	return b, func(ctx context.Context) error {
		if err := b.sendFresh(ctx); err != nil {
			b.pipe.Discard()
			b.fresh.loaded = false // Redis may have lost its scripts: load them again
			return err
		}
		return flush(ctx)
	}
}

// freshQueue is what a rebuild batch holds for fresh.lua between flushes
// (a replay flushes a batch many times as it goes).
type freshQueue struct {
	writes []freshWrite
	// loaded: the scripts were loaded by an earlier flush of this batch, so
	// a flush costs no SCRIPT LOAD round trip of its own.
	loaded bool
}

// freshWrite is a write queued for fresh.lua.
type freshWrite struct {
	gen string
	w   write
}

// queueFresh queues w for fresh.lua; false when it has an entry fresh.lua
// does not write (a stay: put.lua computes the listing's availability).
func (s *Store) queueFresh(gen string, w write) bool {
	for _, e := range w.entries {
		switch kindOf(e.suffix) {
		case plainEntry, countedEntry, hashEntry, bitEntry, slicedEntry, textEntry:
		default:
			return false
		}
	}
	s.fresh.writes = append(s.fresh.writes, freshWrite{gen: gen, w: w})
	return true
}

// ordered reports whether an entry of this kind sits at its listing's ordinal.
func ordered(kind byte) bool { return kind == bitEntry || kind == slicedEntry || kind == textEntry }

// sendFresh sends the queued writes to fresh.lua in pipelines. A call that
// meets a document the generation holds already (a worker wrote it during
// the rebuild) writes nothing and names it: that one is queued for put.lua,
// the others of the call are sent here again.
func (s *Store) sendFresh(ctx context.Context) error {
	queued := s.fresh.writes
	s.fresh.writes = nil
	if len(queued) == 0 {
		return nil
	}
	if !s.fresh.loaded {
		if err := freshScript.Load(ctx, s.master).Err(); err != nil {
			return fmt.Errorf("loading the rebuild script: %w", err)
		}
		if err := ordsAssignScript.Load(ctx, s.master).Err(); err != nil {
			return fmt.Errorf("loading the ordinals script: %w", err)
		}
		s.fresh.loaded = true
	}
	ords, err := s.assignOrdinals(ctx, queued)
	if err != nil {
		return err
	}
	// Listings of one district next to each other, so a call's documents
	// share their district's keys (its price index, chart points, bitmap,
	// counters) and each is one command in the call instead of one per
	// listing: ~74 districts over the ~512 listings of a flush. Stable: the
	// versions of one listing keep their order (the compare-and-set would
	// decide either way).
	slices.SortStableFunc(queued, func(a, b freshWrite) int {
		return cmp.Or(strings.Compare(a.gen, b.gen), strings.Compare(a.w.projection, b.w.projection), strings.Compare(a.w.area, b.w.area))
	})
	for len(queued) > 0 {
		type call struct {
			writes []freshWrite
			cmd    *goredis.Cmd
		}
		var calls []call
		pipe, sent := s.master.Pipeline(), 0
		send := func() error {
			if _, err := pipe.Exec(ctx); err != nil {
				return fmt.Errorf("sending %d read-model writes into a new generation: %w", len(queued), err)
			}
			sent = len(calls)
			return nil
		}
		for _, part := range freshCalls(queued) {
			calls = append(calls, call{writes: part, cmd: freshScript.EvalSha(ctx, pipe, nil, s.freshArgs(part, ords)...)})
			// A pipeline of a few calls at a time: a whole batch at once (megabytes)
			// can outlast the client's write timeout while Redis runs the first calls.
			if len(calls)-sent == freshPerPipe {
				if err := send(); err != nil {
					return err
				}
			}
		}
		if len(calls) > sent {
			if err := send(); err != nil {
				return err
			}
		}
		var again []freshWrite
		for _, c := range calls {
			held, err := c.cmd.Int64Slice()
			if err != nil {
				return fmt.Errorf("reading what the rebuild script left: %w", err)
			}
			if len(held) == 0 {
				continue
			}
			isHeld := make([]bool, len(c.writes))
			for _, pos := range held {
				isHeld[pos-1] = true
			}
			for i, f := range c.writes {
				if isHeld[i] {
					putScript.EvalSha(ctx, s.pipe, nil, s.putArgs(f.gen, f.w, false)...)
				} else {
					again = append(again, f)
				}
			}
		}
		queued = again
	}
	return nil
}

// freshCalls splits writes into fresh.lua calls: one generation and
// projection each, at most freshDocs documents and freshOps operations, a
// document at most once (a replay that applies superseded versions too
// writes one several times: the later ones find it held and go to put.lua).
func freshCalls(queued []freshWrite) [][]freshWrite {
	var out [][]freshWrite
	for start := 0; start < len(queued); {
		first := queued[start]
		end, ops, docs := start, 0, map[string]bool{}
		for end < len(queued) && end-start < freshDocs && queued[end].gen == first.gen &&
			queued[end].w.projection == first.w.projection && !docs[queued[end].w.suffix] {
			n := queued[end].w.freshCost()
			if end > start && ops+n > freshOps {
				break
			}
			docs[queued[end].w.suffix] = true
			ops += n
			end++
		}
		out = append(out, queued[start:end])
		start = end
	}
	return out
}

// freshCost is how many operations w's entries are in fresh.lua: one each,
// a bit-sliced value one per bit it sets.
func (w write) freshCost() int {
	n := 0
	for _, e := range w.entries {
		if kindOf(e.suffix) == slicedEntry {
			for v := int64(e.score); v > 0; v >>= 1 {
				n += int(v & 1)
			}
		} else {
			n++
		}
	}
	return n
}

// assignOrdinals numbers, through ords_assign.lua, the listings whose
// entries sit at an ordinal, and returns each one's.
func (s *Store) assignOrdinals(ctx context.Context, queued []freshWrite) (map[string]int64, error) {
	ords := map[string]int64{}
	var ids []any
	for _, f := range queued {
		for _, e := range f.w.entries {
			if _, seen := ords[e.member]; ordered(kindOf(e.suffix)) && !seen {
				ords[e.member] = -1
				ids = append(ids, e.member)
			}
		}
	}
	if len(ids) == 0 {
		return ords, nil
	}
	pipe := s.master.Pipeline()
	var cmds []*goredis.Cmd
	for lo := 0; lo < len(ids); lo += ordsPerCall {
		part := ids[lo:min(lo+ordsPerCall, len(ids))]
		cmds = append(cmds, ordsAssignScript.EvalSha(ctx, pipe, nil, append([]any{s.keyspace(Listings)}, part...)...))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, fmt.Errorf("numbering %d listings for a new generation: %w", len(ids), err)
	}
	for i, c := range cmds {
		got, err := c.Int64Slice()
		if err != nil {
			return nil, fmt.Errorf("reading listing ordinals: %w", err)
		}
		for j, o := range got {
			ords[ids[i*ordsPerCall+j].(string)] = o
		}
	}
	return ords, nil
}

// freshArgs are the arguments of one fresh.lua call (see fresh.lua) for
// part, whose writes share a generation and a projection. They are built as
// strings and passed by pointer, as putArgs does: boxing each of a call's
// ~400 arguments, with a key and an ordinal formatted per bit, was a third
// of the bench process's CPU per replayed document.
func (s *Store) freshArgs(part []freshWrite, ords map[string]int64) []any {
	first := part[0]
	type groupKey struct {
		op  byte
		key string
	}
	type group struct {
		key  groupKey
		args []string
	}
	var groups []group
	byKey := make(map[groupKey]int, 64)
	add := func(op byte, key string, a, b string, two bool) {
		k := groupKey{op, key}
		i, ok := byKey[k]
		if !ok {
			i = len(groups)
			byKey[k] = i
			groups = append(groups, group{key: k, args: make([]string, 0, 8)})
		}
		g := &groups[i]
		g.args = append(g.args, a)
		if two {
			g.args = append(g.args, b)
		}
	}
	// Counted entries summed per member: one ZINCRBY each.
	type counter struct{ key, member string }
	sums := map[counter]float64{}
	var counters []counter
	docs := make([]string, 0, 7*len(part))
	for _, f := range part {
		w := f.w
		summary := "0"
		if _, sum, ok := strings.Cut(w.notice, "\t"); ok {
			summary = "1" + sum
		}
		docs = append(docs, w.suffix, strconv.FormatInt(w.version, 10), "", w.status, w.owner, summary, w.ix())
		ord, ordOf := "", ""
		ordinal := func(member string) string {
			if member != ordOf {
				ord, ordOf = strconv.FormatInt(ords[member], 10), member
			}
			return ord
		}
		for _, e := range w.entries {
			switch kindOf(e.suffix) {
			case plainEntry:
				add('z', e.suffix, e.arg(), e.member, true)
			case countedEntry:
				c := counter{e.suffix[1:], e.member}
				if _, ok := sums[c]; !ok {
					counters = append(counters, c)
				}
				sums[c] += e.score
			case hashEntry:
				add('h', e.suffix[1:], e.member, e.value, true)
			case bitEntry:
				add('b', e.suffix[1:], ordinal(e.member), "", false)
			case slicedEntry:
				keys := sliceKeys(e.suffix[1:])
				for b, v := 0, int64(e.score); v > 0; b, v = b+1, v>>1 {
					if v&1 == 1 {
						add('b', keys[b], ordinal(e.member), "", false)
					}
				}
			case textEntry:
				o := ords[e.member]
				add('h', e.suffix[1:]+":"+strconv.FormatInt(o/textChunk, 10), ordinal(e.member), e.value, true)
			}
		}
	}
	for _, c := range counters {
		add('+', c.key, strconv.FormatFloat(sums[c], 'f', -1, 64), c.member, true)
	}
	n := 3 + len(docs)
	for _, g := range groups {
		n += 3 + len(g.args)
	}
	strs := make([]string, 0, n)
	strs = append(strs, s.keyspace(first.w.projection), first.gen, strconv.Itoa(len(part)))
	strs = append(strs, docs...)
	for _, g := range groups {
		strs = append(strs, freshOpNames[g.key.op], g.key.key, strconv.Itoa(len(g.args)))
		strs = append(strs, g.args...)
	}
	args := make([]any, len(strs))
	for i := range strs {
		args[i] = &strs[i]
	}
	for i, f := range part {
		args[3+7*i+2] = f.w.doc // the document's JSON, as it is
	}
	return args
}

// freshOpNames are fresh.lua's names of its operations.
var freshOpNames = map[byte]string{'z': "z", 'h': "h", 'b': "b", '+': "+"}

// sliceKeys returns the keys of a bit-sliced value's slices (suffix:0 to
// suffix:63), made once per suffix.
func sliceKeys(suffix string) *[64]string {
	if k, ok := sliceKeyCache.Load(suffix); ok {
		return k.(*[64]string)
	}
	var k [64]string
	for b := range k {
		k[b] = suffix + ":" + strconv.Itoa(b)
	}
	v, _ := sliceKeyCache.LoadOrStore(suffix, &k)
	return v.(*[64]string)
}

var sliceKeyCache sync.Map

// ix is the document's list of entries as put.lua keeps it (field ix).
func (w write) ix() string {
	var b strings.Builder
	for i, en := range w.entries {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(en.suffix)
		b.WriteByte('\t')
		if kindOf(en.suffix) != hashEntry {
			b.WriteString(en.arg())
			b.WriteByte('\t')
		}
		b.WriteString(en.member)
	}
	return b.String()
}
