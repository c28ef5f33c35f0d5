package readmodel

import (
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"

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
	ordsAssignScript = goredis.NewScript(ordsSource + ordsAssignSource)
)

// A fresh.lua call holds at most freshDocs documents and freshOps
// operations (an entry, or a bit of a bit-sliced value): a call runs alone
// on Redis, so it is kept short. A listing is 60-80 operations; with the
// grouping done here a call of ~20 listings costs Redis about a millisecond
// (docs/BENCHMARKS.md, issue 12 item 5), inside the 2 ms every call keeps.
const (
	freshDocs = 64
	freshOps  = 1500
	// freshPerPipe is how many calls one pipeline carries.
	freshPerPipe = 8
	// ordsPerCall is how many listings one ords_assign.lua call numbers
	// (~1-3 µs each).
	ordsPerCall = 250
)

// RebuildBatch is Batch for a replay: writes into a named generation that is
// being built go through fresh.lua when flushed, the rest as Batch sends them.
// The generation must not be live (fresh.lua then leaves every document to
// put.lua, which announces the change).
func (s *Store) RebuildBatch() (*Store, func(context.Context) error) {
	b, flush := s.Batch()
	b.fresh = &[]freshWrite{}
	return b, func(ctx context.Context) error {
		if err := b.sendFresh(ctx); err != nil {
			b.pipe.Discard()
			return err
		}
		return flush(ctx)
	}
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
	*s.fresh = append(*s.fresh, freshWrite{gen: gen, w: w})
	return true
}

// ordered reports whether an entry of this kind sits at its listing's ordinal.
func ordered(kind byte) bool { return kind == bitEntry || kind == slicedEntry || kind == textEntry }

// sendFresh sends the queued writes to fresh.lua in pipelines. A call that
// meets a document the generation holds already (a worker wrote it during
// the rebuild) writes nothing and names it: that one is queued for put.lua,
// the others of the call are sent here again.
func (s *Store) sendFresh(ctx context.Context) error {
	queued := *s.fresh
	*s.fresh = nil
	if len(queued) == 0 {
		return nil
	}
	if err := freshScript.Load(ctx, s.master).Err(); err != nil {
		return fmt.Errorf("loading the rebuild script: %w", err)
	}
	ords, err := s.assignOrdinals(ctx, queued)
	if err != nil {
		return err
	}
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
	if err := ordsAssignScript.Load(ctx, s.master).Err(); err != nil {
		return nil, fmt.Errorf("loading the ordinals script: %w", err)
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
// part, whose writes share a generation and a projection.
func (s *Store) freshArgs(part []freshWrite, ords map[string]int64) []any {
	first := part[0]
	args := make([]any, 0, 3+7*len(part)+2*freshOps)
	args = append(args, s.keyspace(first.w.projection), first.gen, len(part))
	type group struct {
		op   string
		args []any
	}
	var groups []*group
	byKey := map[string]*group{}
	add := func(op, key string, vs ...any) {
		g := byKey[op+key]
		if g == nil {
			g = &group{op: op}
			byKey[op+key] = g
			groups = append(groups, g)
			g.args = append(g.args, key)
		}
		g.args = append(g.args, vs...)
	}
	// Counted entries summed per member: one ZINCRBY each.
	type counter struct{ key, member string }
	sums := map[counter]float64{}
	var counters []counter
	for _, f := range part {
		w := f.w
		summary := "0"
		if _, sum, ok := strings.Cut(w.notice, "\t"); ok {
			summary = "1" + sum
		}
		args = append(args, w.suffix, w.version, w.doc, w.status, w.owner, summary, w.ix())
		for _, e := range w.entries {
			switch kindOf(e.suffix) {
			case plainEntry:
				add("z", e.suffix, e.arg(), e.member)
			case countedEntry:
				c := counter{e.suffix[1:], e.member}
				if _, ok := sums[c]; !ok {
					counters = append(counters, c)
				}
				sums[c] += e.score
			case hashEntry:
				add("h", e.suffix[1:], e.member, e.value)
			case bitEntry:
				add("b", e.suffix[1:], ords[e.member])
			case slicedEntry:
				for b, v := 0, int64(e.score); v > 0; b, v = b+1, v>>1 {
					if v&1 == 1 {
						add("b", e.suffix[1:]+":"+strconv.Itoa(b), ords[e.member])
					}
				}
			case textEntry:
				o := ords[e.member]
				add("h", e.suffix[1:]+":"+strconv.FormatInt(o/textChunk, 10), o, e.value)
			}
		}
	}
	for _, c := range counters {
		add("+", c.key, strconv.FormatFloat(sums[c], 'f', -1, 64), c.member)
	}
	for _, g := range groups {
		args = append(args, g.op, g.args[0], len(g.args)-1)
		args = append(args, g.args[1:]...)
	}
	return args
}

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
