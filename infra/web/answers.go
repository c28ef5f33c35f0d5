package web

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"reflect"

	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/zufang/rental/query"
)

// What a page draws is a function of the query answers it read (and of the
// request's URL and the day): the near cache keeps those answers and hands
// out the same bytes until a change could alter them. So the pages keep two
// things by the content of the answers, which makes them exactly as fresh as
// the near cache, with no invalidation of their own:
//
//   - decoded: each answer decoded once into the type a page reads, instead
//     of on every request (a search page of 20 listings cost ~0.2 ms of
//     JSON decoding);
//   - pages: a page as a visitor who is not logged in sees it (no favorite
//     state, no booking form), drawn with a stand-in for the visitor's CSRF
//     token (the layout's only per-visitor part), so the ~1 ms of
//     html/template a listing or search page costs is paid once per answer
//     (render.go, renderShared). A logged-in user's page is always drawn
//     afresh: it holds their tokens and state, and after a change it reads
//     at least the version the redirect names (read-your-writes is the
//     query's, unchanged).
//
// A change gives new bytes, hence a new key: the next page draws at once.
// Both caches are bounded LRUs; an entry that is never asked for again ages
// out.
type answers struct {
	seeds   [2]maphash.Seed
	decoded *lru.Cache[decodedKey, any]
	pages   *lru.Cache[fragmentKey, keptPage]
	stand   string // what a kept page holds in place of the token
}

// answerHash names an answer by its bytes: 128 bits of maphash under two
// seeds of this process (the pages' own, or the near cache's when the
// answer came with its Sum), so two different answers sharing one is not a
// practical concern.
type answerHash = query.Sum

type decodedKey struct {
	answer answerHash
	into   reflect.Type
}

// fragmentKey names a visitor's page: the page, what of the request shapes
// it, and the answers it was drawn from.
type fragmentKey struct {
	page, request string
	answers       answerHash
}

// Sizes of the caches: decoded answers are small (a page of 20 listings is
// ~20 KB decoded), pages 20-40 KB of HTML each.
const (
	decodedAnswers = 20000
	pagesKept      = 2000
)

func newAnswers() *answers {
	d, _ := lru.New[decodedKey, any](decodedAnswers)
	f, _ := lru.New[fragmentKey, keptPage](pagesKept)
	// The stand-in is random, as long as a token and of the same alphabet
	// (html/template writes it unchanged), so no page text can hold it.
	return &answers{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, decoded: d, pages: f, stand: newCSRFToken()}
}

func (a *answers) hash(b []byte) answerHash {
	return answerHash{maphash.Bytes(a.seeds[0], b), maphash.Bytes(a.seeds[1], b)}
}

// of names an answer: by the Sum it came with (the near cache's answers
// do), else by hashing its bytes.
func (a *answers) of(b query.Body) answerHash {
	if b.Sum != (query.Sum{}) {
		return b.Sum
	}
	return a.hash(b.JSON)
}

// key names the content of page drawn for request from the answers of
// these hashes, in order.
func (a *answers) key(page, request string, answers ...answerHash) fragmentKey {
	buf := make([]byte, 0, 16*len(answers))
	for _, ah := range answers {
		for _, x := range ah {
			for j := range 8 {
				buf = append(buf, byte(x>>(8*j)))
			}
		}
	}
	return fragmentKey{page: page, request: request, answers: a.hash(buf)}
}

// decodeOnce decodes an answer into T, or returns what the same bytes
// decoded to before, with the answer's hash, which names it in a page's key
// (hashing a listing's answer once, not once to decode and again for the
// key, is a few percent of a listing page). The value is shared by every
// request that reads the same answer: callers read it and copy what they
// change (a struct is copied by assignment; its slices must not be written
// to).
func decodeOnce[T any](p *pages, b query.Body) (T, answerHash, error) {
	h := p.answers.of(b)
	k := decodedKey{answer: h, into: reflect.TypeFor[T]()}
	if v, ok := p.answers.decoded.Get(k); ok {
		return v.(T), h, nil
	}
	var v T
	if err := json.Unmarshal(b.JSON, &v); err != nil {
		return v, h, fmt.Errorf("decoding a query answer for a page: %w", err)
	}
	p.answers.decoded.Add(k, v)
	return v, h, nil
}
