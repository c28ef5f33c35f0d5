package readmodel

import "math/bits"

// bitmap is a set of listing ordinals, bit o of word o/64. The search
// combines the read models' bitmaps (Redis strings, bit o being bit 7-o%8 of
// byte o/8) as these, in the api process: Redis only hands them out, so no
// script's cost grows with the listings a search matches.
type bitmap []uint64

// fromRedis turns a Redis bitmap string, whose first bit is ordinal at, into
// a bitmap of n words (at is a multiple of 64).
func fromRedis(dst bitmap, s string, at int) {
	w := at / 64
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b == 0 {
			continue
		}
		j := w + i/8
		if j >= len(dst) {
			return
		}
		dst[j] |= uint64(bits.Reverse8(b)) << (8 * (i % 8))
	}
}

func newBitmap(n int) bitmap { return make(bitmap, (n+63)/64) }

func (b bitmap) clone() bitmap { return append(bitmap(nil), b...) }

// limit clears the ordinals n and above. A bitmap read from Redis can hold
// ordinals past the table a search read first (a listing numbered in
// between, in the last word's spare bits): the search answers as of its
// table, so those are left out rather than looked up past its end.
func (b bitmap) limit(n int) {
	w := n / 64
	if w >= len(b) {
		return
	}
	b[w] &= 1<<(n%64) - 1
	clear(b[w+1:])
}

// and keeps in b what o has too (o may be shorter: the rest is absent).
func (b bitmap) and(o bitmap) {
	n := min(len(b), len(o))
	for i := range n {
		b[i] &= o[i]
	}
	clear(b[n:])
}

// andNot removes from b what o has.
func (b bitmap) andNot(o bitmap) {
	n := min(len(b), len(o))
	for i := range n {
		b[i] &^= o[i]
	}
}

// or adds to b what o has (up to b's length).
func (b bitmap) or(o bitmap) {
	n := min(len(b), len(o))
	for i := range n {
		b[i] |= o[i]
	}
}

func (b bitmap) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitmap) has(o int) bool {
	i := o / 64
	return i < len(b) && b[i]&(1<<(o%64)) != 0
}

func (b bitmap) set(o int) { b[o/64] |= 1 << (o % 64) }

// each calls fn with every ordinal in b, in increasing order.
func (b bitmap) each(fn func(o int)) {
	for i, w := range b {
		for w != 0 {
			t := bits.TrailingZeros64(w)
			fn(i*64 + t)
			w &= w - 1
		}
	}
}

// sliced is a bit-sliced index of an integer per ordinal: s[i] holds the
// ordinals whose value has bit i set.
type sliced []bitmap

func (s sliced) value(o int) uint64 {
	var v uint64
	for i, b := range s {
		if b.has(o) {
			v |= 1 << i
		}
	}
	return v
}

// atLeast returns the ordinals of m whose value is >= c.
func (s sliced) atLeast(m bitmap, c uint64) bitmap {
	if c >= 1<<len(s) {
		return newBitmap(0)
	}
	gt, eq := newBitmap(len(m)*64), m.clone()
	x := newBitmap(len(m) * 64)
	for i := len(s) - 1; i >= 0; i-- {
		if c&(1<<i) != 0 {
			eq.and(s[i])
			continue
		}
		copy(x, eq)
		x.and(s[i])
		gt.or(x)
		eq.andNot(s[i])
	}
	gt.or(eq)
	return gt
}

// atMost returns the ordinals of m whose value is <= c.
func (s sliced) atMost(m bitmap, c uint64) bitmap {
	if c+1 >= 1<<len(s) {
		return m.clone()
	}
	out := m.clone()
	out.andNot(s.atLeast(m, c+1))
	return out
}

// key is one part of a composite sort key: a bit-sliced value, highest bit
// first, read in decreasing order (or increasing, when asc).
type key struct {
	s   sliced
	asc bool
}

// selectRank splits m at the item of rank r (0-based) in the order of the
// composite key (parts compared in turn, each by its bits from the highest):
// before holds the items strictly before it, at the items equal to it.
func selectRank(m bitmap, parts []key, r int) (before, at bitmap) {
	before, at = newBitmap(len(m)*64), m.clone()
	x := newBitmap(len(m) * 64)
	nb := 0
	for _, p := range parts {
		for i := len(p.s) - 1; i >= 0; i-- {
			// x: the items of at that come first on this bit.
			copy(x, at)
			if p.asc {
				x.andNot(p.s[i])
			} else {
				x.and(p.s[i])
			}
			if n := x.count(); nb+n > r {
				copy(at, x)
			} else {
				before.or(x)
				at.andNot(x)
				nb += n
			}
		}
	}
	return before, at
}
