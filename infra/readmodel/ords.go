package readmodel

import (
	"bytes"
	"context"
	"fmt"
	"math/bits"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// Listing ordinals: put.lua numbers every listing the first time one of its
// entries needs a bit (P rm:ord: id → n; P rm:ord:id: n → id; P rm:ord:seq:
// how many; P rm:ord:space: names the numbering). A number never changes, so
// each api keeps the whole table, read once and then only its new end.

func (s *Store) ordKey() string { return s.prefix + "rm:ord" }

// ordSnap is the table at one moment: immutable, swapped whole.
type ordSnap struct {
	space string
	ids   []uuid.UUID // by ordinal
	rank  sliced      // each ordinal's place in id order, bit-sliced: the tie-break of every sort
}

type ordTable struct {
	mu   sync.Mutex
	snap atomic.Pointer[ordSnap]
}

// ordChunk is how many ordinals one HMGET reads (well under a millisecond),
// ordBatch how many HMGETs one pipeline sends.
const (
	ordChunk = 500
	ordBatch = 20
)

// ords returns a table that knows at least the first seq ordinals of space.
func (s *Store) ords(ctx context.Context, space string, seq int) (*ordSnap, error) {
	if t := s.ordTab.snap.Load(); t != nil && t.space == space && len(t.ids) >= seq {
		return t, nil
	}
	s.ordTab.mu.Lock()
	defer s.ordTab.mu.Unlock()
	t := s.ordTab.snap.Load()
	if t == nil || t.space != space {
		t = &ordSnap{space: space}
	}
	if len(t.ids) >= seq {
		return t, nil
	}
	from := len(t.ids)
	ids := make([]uuid.UUID, from, seq)
	copy(ids, t.ids)
	// ordBatch HMGETs a round trip: the whole table is ~4 MB at 100,000
	// listings, too much for one read timeout on a busy machine.
	for start := from; start < seq; start += ordChunk * ordBatch {
		var cmds []*goredis.SliceCmd
		err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
			pipe := c.Pipeline()
			cmds = cmds[:0]
			for lo := start; lo < min(start+ordChunk*ordBatch, seq); lo += ordChunk {
				fields := make([]string, 0, ordChunk)
				for o := lo; o < min(lo+ordChunk, seq); o++ {
					fields = append(fields, strconv.Itoa(o))
				}
				cmds = append(cmds, pipe.HMGet(ctx, s.ordKey()+":id", fields...))
			}
			_, err := pipe.Exec(ctx)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("reading listing ordinals: %w", err)
		}
		for _, c := range cmds {
			for _, v := range c.Val() {
				str, _ := v.(string)
				id, err := uuid.Parse(str)
				if err != nil {
					return nil, fmt.Errorf("listing ordinal %d has no id (%q)", len(ids), str)
				}
				ids = append(ids, id)
			}
		}
	}
	next := &ordSnap{space: space, ids: ids, rank: rankSlices(ids)}
	s.ordTab.snap.Store(next)
	return next, nil
}

// rankSlices bit-slices each ordinal's rank in the order of the ids.
func rankSlices(ids []uuid.UUID) sliced {
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return bytes.Compare(ids[a][:], ids[b][:]) })
	width := bits.Len(uint(len(ids)))
	out := make(sliced, width)
	for i := range out {
		out[i] = newBitmap(len(ids))
	}
	for r, o := range order {
		for i := range width {
			if r&(1<<i) != 0 {
				out[i].set(o)
			}
		}
	}
	return out
}
