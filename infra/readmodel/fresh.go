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
// documents the generation does not hold yet, many per call, grouped by key
// and with their counted entries summed; put.lua writes the rest.

var (
	//go:embed fresh.lua
	freshSource string
	freshScript = goredis.NewScript(ordsSource + freshSource)
)

// A fresh.lua call holds at most freshDocs documents and freshOps
// operations: a call runs alone on Redis, so it is kept short (about a
// millisecond for 16 listings on this machine; docs/BENCHMARKS.md).
const (
	freshDocs = 64
	freshOps  = 1200
	// freshPerPipe is how many calls one pipeline carries.
	freshPerPipe = 8
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

// freshWrite is a write queued for fresh.lua, with its operations.
type freshWrite struct {
	gen string
	w   write
	ops []any
}

// queueFresh queues w for fresh.lua; false when it has an entry fresh.lua
// does not write (a stay: put.lua computes the listing's availability).
func (s *Store) queueFresh(gen string, w write) bool {
	ops, ok := w.freshOps()
	if !ok {
		return false
	}
	*s.fresh = append(*s.fresh, freshWrite{gen: gen, w: w, ops: ops})
	return true
}

// sendFresh sends the queued writes to fresh.lua in pipelines, and queues
// those it left (the generation holds them already) for put.lua.
func (s *Store) sendFresh(ctx context.Context) error {
	queued := *s.fresh
	*s.fresh = nil
	if len(queued) == 0 {
		return nil
	}
	if err := freshScript.Load(ctx, s.master).Err(); err != nil {
		return fmt.Errorf("loading the rebuild script: %w", err)
	}
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
	for start := 0; start < len(queued); {
		first := queued[start]
		end, ops := start, 0
		for end < len(queued) && end-start < freshDocs && queued[end].gen == first.gen &&
			queued[end].w.projection == first.w.projection && (end == start || ops+len(queued[end].ops) <= 3*freshOps) {
			ops += len(queued[end].ops)
			end++
		}
		part := queued[start:end]
		args := []any{s.keyspace(first.w.projection), first.gen, textChunk, len(part)}
		for _, f := range part {
			summary := "0"
			if _, sum, ok := strings.Cut(f.w.notice, "\t"); ok {
				summary = "1" + sum
			}
			args = append(args, f.w.suffix, f.w.version, f.w.doc, f.w.status, f.w.owner, summary, f.w.ix(), len(f.ops)/3)
			args = append(args, f.ops...)
		}
		calls = append(calls, call{writes: part, cmd: freshScript.EvalSha(ctx, pipe, nil, args...)})
		start = end
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
	for _, c := range calls {
		left, err := c.cmd.Int64Slice()
		if err != nil {
			return fmt.Errorf("reading what the rebuild script left: %w", err)
		}
		for _, pos := range left {
			f := c.writes[pos-1]
			putScript.EvalSha(ctx, s.pipe, nil, s.putArgs(f.gen, f.w, false)...)
		}
	}
	return nil
}

// freshOps are w's entries as fresh.lua's operations (see fresh.lua): a
// bit-sliced value becomes the bits it sets. false: w has an entry
// fresh.lua does not write.
func (w write) freshOps() ([]any, bool) {
	ops := make([]any, 0, 3*len(w.entries))
	for _, e := range w.entries {
		switch kindOf(e.suffix) {
		case plainEntry:
			ops = append(ops, "z"+e.suffix, e.arg(), e.member)
		case countedEntry:
			ops = append(ops, "+"+e.suffix[1:], e.arg(), e.member)
		case hashEntry:
			ops = append(ops, "h"+e.suffix[1:], e.value, e.member)
		case bitEntry:
			ops = append(ops, "b"+e.suffix[1:], "1", e.member)
		case slicedEntry:
			for b, v := 0, int64(e.score); v > 0; b, v = b+1, v>>1 {
				if v&1 == 1 {
					ops = append(ops, "b"+e.suffix[1:]+":"+strconv.Itoa(b), "1", e.member)
				}
			}
		case textEntry:
			ops = append(ops, "t"+e.suffix[1:], e.value, e.member)
		default:
			return nil, false
		}
	}
	return ops, true
}

// ix is the document's list of entries as put.lua keeps it (field ix).
func (w write) ix() string {
	lines := make([]string, len(w.entries))
	for i, en := range w.entries {
		if kindOf(en.suffix) == hashEntry {
			lines[i] = en.suffix + "\t" + en.member
		} else {
			lines[i] = en.suffix + "\t" + en.arg() + "\t" + en.member
		}
	}
	return strings.Join(lines, "\n")
}
