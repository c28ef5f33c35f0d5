package readmodel

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// A chunk's joined scan keeps exactly the candidates whose own text holds
// the keyword, the second time (the answer remembered) as the first, a hit
// at a text's very start or end and a keyword spanning two texts included.
func TestChunkTexts_keepsTheCandidatesWhoseTextHoldsTheKeyword(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	words := []string{"精装", "精装修", "近地铁", "sunny", "s", "装", "花园", "ab", "ba", "\x00"}
	for round := range 200 {
		chunk := r.IntN(4)
		fields := map[string]string{}
		texts := make([]string, textChunk)
		for i := range textChunk {
			if r.IntN(5) == 0 {
				continue // an ordinal with no text
			}
			var b strings.Builder
			for range r.IntN(4) {
				b.WriteString(words[r.IntN(len(words)-1)])
			}
			texts[i] = b.String()
			fields[strconv.Itoa(chunk*textChunk+i)] = texts[i]
		}
		ct := joinTexts(chunk, fields)
		keyword := words[r.IntN(len(words))]
		if r.IntN(4) == 0 {
			keyword = words[r.IntN(len(words)-1)] + words[r.IntN(len(words)-1)]
		}
		for pass := range 2 {
			var cand [textChunk / 64]uint64
			for i := range cand {
				cand[i] = r.Uint64()
			}
			got := cand
			ct.keep(got[:], keyword)
			for i := range textChunk {
				in := cand[i/64]&(1<<(i%64)) != 0
				want := in && strings.Contains(texts[i], keyword)
				if kept := got[i/64]&(1<<(i%64)) != 0; kept != want {
					t.Fatalf("round %d pass %d: text %d %q, keyword %q: kept %v, want %v", round, pass, i, texts[i], keyword, kept, want)
				}
			}
		}
	}
}
