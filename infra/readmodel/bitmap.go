package readmodel

import "math/bits"

// bitmap is a set of listing ordinals, bit o of word o/64. The search
// combines the read models' bitmaps (Redis strings, bit o being bit 7-o%8 of
// byte o/8) as these, in the api process: Redis only hands them out, so no
// script's cost grows with the listings a search matches.
type bitmap []uint64

// fromRedis turns a Redis bitmap string, whose first bit is ordinal at, into
// a bitmap of n words (at is a multiple of 64). Eight bytes make a word: read
// big-endian and bit-reversed, byte i's first bit (its highest) lands on bit
// 8i of the word, as Redis numbers them.
func fromRedis(dst bitmap, s string, at int) {
	w := at / 64
	i := 0
	for ; i+8 <= len(s) && w < len(dst); i, w = i+8, w+1 {
		x := uint64(s[i])<<56 | uint64(s[i+1])<<48 | uint64(s[i+2])<<40 | uint64(s[i+3])<<32 |
			uint64(s[i+4])<<24 | uint64(s[i+5])<<16 | uint64(s[i+6])<<8 | uint64(s[i+7])
		dst[w] |= bits.Reverse64(x)
	}
	for j := i; j < len(s) && w < len(dst); j++ {
		dst[w] |= uint64(bits.Reverse8(s[j])) << (8 * (j - i))
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

// word is b's word i, none past its end (a bitmap read before the table of
// ordinals grew is shorter than the search's).
func (b bitmap) word(i int) uint64 {
	if i < len(b) {
		return b[i]
	}
	return 0
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
	out := newBitmap(len(m) * 64)
	for j, w := range m {
		if w != 0 {
			out[j] = s.atLeastWord(w, j, c)
		}
	}
	return out
}

// atMost returns the ordinals of m whose value is <= c.
func (s sliced) atMost(m bitmap, c uint64) bitmap {
	out := newBitmap(len(m) * 64)
	for j, w := range m {
		if w != 0 {
			out[j] = s.atMostWord(w, j, c)
		}
	}
	return out
}

// atLeastWord keeps of w, the ordinals of word j, those whose value is >= c:
// a word at a time, from the highest bit, stopping once no ordinal is still
// equal to c's bits so far (the search skips the words its filters emptied).
func (s sliced) atLeastWord(w uint64, j int, c uint64) uint64 {
	if c >= 1<<len(s) {
		return 0
	}
	var gt uint64
	eq := w
	for i := len(s) - 1; i >= 0 && eq != 0; i-- {
		b := s[i].word(j)
		if c&(1<<i) != 0 {
			eq &= b
		} else {
			gt |= eq & b
			eq &^= b
		}
	}
	return gt | eq
}

// atMostWord keeps of w, the ordinals of word j, those whose value is <= c.
func (s sliced) atMostWord(w uint64, j int, c uint64) uint64 {
	if c+1 >= 1<<len(s) {
		return w
	}
	var lt uint64
	eq := w
	for i := len(s) - 1; i >= 0 && eq != 0; i-- {
		b := s[i].word(j)
		if c&(1<<i) != 0 {
			lt |= eq &^ b
			eq &= b
		} else {
			eq &^= b
		}
	}
	return lt | eq
}

// key is one part of a composite sort key: a bit-sliced value, highest bit
// first, read in decreasing order (or increasing, when asc).
type key struct {
	s   sliced
	asc bool
}

// selectRank splits m at the item of rank r (0-based) in the order of the
// composite key (parts compared in turn, each by its bits from the highest):
// before holds the items strictly before it, at the items equal to it. Only
// the words still holding an item of at are visited: after the first bits of
// the key they are few, so a selection costs about the words of m once or
// twice, not once per bit of the key.
func selectRank(m bitmap, parts []key, r int) (before, at bitmap) {
	before, at = newBitmap(len(m)*64), m.clone()
	active := make([]int32, 0, len(m))
	for j, w := range at {
		if w != 0 {
			active = append(active, int32(j))
		}
	}
	nb := 0
	for _, p := range parts {
		for i := len(p.s) - 1; i >= 0 && len(active) > 0; i-- {
			b := p.s[i]
			// x: the items of at that come first on this bit.
			n := 0
			for _, j := range active {
				n += bits.OnesCount64(comesFirst(at[j], b.word(int(j)), p.asc))
			}
			keep := active[:0]
			if nb+n > r {
				for _, j := range active {
					if at[j] = comesFirst(at[j], b.word(int(j)), p.asc); at[j] != 0 {
						keep = append(keep, j)
					}
				}
			} else {
				for _, j := range active {
					x := comesFirst(at[j], b.word(int(j)), p.asc)
					before[j] |= x
					if at[j] &^= x; at[j] != 0 {
						keep = append(keep, j)
					}
				}
				nb += n
			}
			active = keep
		}
	}
	return before, at
}

// comesFirst is what of at comes first on a bit whose ordinals set are b.
func comesFirst(at, b uint64, asc bool) uint64 {
	if asc {
		return at &^ b
	}
	return at & b
}
