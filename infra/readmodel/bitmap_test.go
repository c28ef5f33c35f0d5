package readmodel

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestFromRedis_readsRedisBitOrder(t *testing.T) {
	// SETBIT k 0 1, SETBIT k 9 1, SETBIT k 71 1: bytes 0x80, 0x40, then byte 8 = 0x01.
	raw := string([]byte{0x80, 0x40, 0, 0, 0, 0, 0, 0, 0x01})
	b := newBitmap(128)
	fromRedis(b, raw, 0)
	var got []int
	b.each(func(o int) { got = append(got, o) })
	if !slices.Equal(got, []int{0, 9, 71}) {
		t.Fatalf("bits %v, want [0 9 71]", got)
	}
}

// A search's table of ordinals may end before a bitmap it reads (a listing
// numbered in between): the ordinals past it are left out, whichever word
// they fall in (the partition tests saw an index out of range here).
func TestBitmap_limitLeavesOutOrdinalsPastTheTable(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 489, 511, 512} {
		b := newBitmap(n + 1)
		for o := range len(b) * 64 {
			b.set(o)
		}
		b.limit(n)
		if got := b.count(); got != n {
			t.Errorf("limit(%d): %d ordinals left, want %d", n, got, n)
		}
		b.each(func(o int) {
			if o >= n {
				t.Errorf("limit(%d) kept ordinal %d", n, o)
			}
		})
	}
}

// A random set of values, and the same answers found by sorting.
func TestSliced_comparisonsAndRanksAnswerLikeASort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 200 {
		n := 1 + r.IntN(300)
		width := 1 + r.IntN(10)
		vals, ties := make([]uint64, n), make([]uint64, n)
		m := newBitmap(n)
		for o := range n {
			vals[o] = r.Uint64N(1 << width)
			ties[o] = uint64(r.IntN(n)) // not unique: ties on the whole key too
			if r.IntN(4) != 0 {
				m.set(o)
			}
		}
		s, tie := slice(vals, width, n), slice(ties, 9, n)
		c := r.Uint64N(1 << width)
		for name, got := range map[string]bitmap{"atLeast": s.atLeast(m, c), "atMost": s.atMost(m, c)} {
			for o := range n {
				want := m.has(o) && ((name == "atLeast" && vals[o] >= c) || (name == "atMost" && vals[o] <= c))
				if got.has(o) != want {
					t.Fatalf("round %d: %s %d: ordinal %d (value %d) in=%v", round, name, c, o, vals[o], got.has(o))
				}
			}
		}
		asc := r.IntN(2) == 0
		parts := []key{{s: s, asc: asc}, {s: tie, asc: !asc}}
		var members []int
		m.each(func(o int) { members = append(members, o) })
		if len(members) == 0 {
			continue
		}
		compare := func(a, b int) int {
			c := cmp.Compare(vals[a], vals[b])
			if !asc {
				c = -c
			}
			if c == 0 {
				c = cmp.Compare(ties[a], ties[b])
				if asc {
					c = -c
				}
			}
			return c
		}
		sorted := slices.Clone(members)
		slices.SortStableFunc(sorted, compare)
		rank := r.IntN(len(members))
		before, at := selectRank(m, parts, rank)
		for _, o := range members {
			wantBefore := compare(o, sorted[rank]) < 0
			wantAt := compare(o, sorted[rank]) == 0
			if before.has(o) != wantBefore || at.has(o) != wantAt {
				t.Fatalf("round %d: rank %d of %d: ordinal %d before=%v at=%v, want %v %v", round, rank, len(members), o,
					before.has(o), at.has(o), wantBefore, wantAt)
			}
		}
	}
}

func slice(vals []uint64, width, n int) sliced {
	s := make(sliced, width)
	for i := range s {
		s[i] = newBitmap(n)
		for o, v := range vals {
			if v&(1<<i) != 0 {
				s[i].set(o)
			}
		}
	}
	return s
}

// Every length of string, whole words and a tail, each bit where Redis's
// SETBIT puts it (bit 7-o%8 of byte o/8).
func TestFromRedis_readsEveryBitOfAnyLength(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 40 {
		raw := make([]byte, n)
		var want []int
		for o := range 8 * n {
			if r.IntN(3) == 0 {
				raw[o/8] |= 0x80 >> (o % 8)
				want = append(want, o)
			}
		}
		b := newBitmap(8 * n)
		fromRedis(b, string(raw), 0)
		var got []int
		b.each(func(o int) { got = append(got, o) })
		if !slices.Equal(got, want) {
			t.Fatalf("%d bytes: bits %v, want %v", n, got, want)
		}
	}
}
