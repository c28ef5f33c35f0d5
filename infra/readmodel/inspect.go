package readmodel

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// Inspector is the consistency check's view of the read models: what each
// should hold for an aggregate (Expect*), comparing that with Redis
// (Compare), counting and listing what is there (inspect_scan.go), and
// repairing (inspect_repair.go). Only infra/ops/check uses it; the ports the
// api and worker use are the Store's.
type Inspector struct{ s *Store }

// NewInspector returns the Inspector of s's read models. It reads and writes
// the master only: a check compares against the primary copy.
func NewInspector(s *Store) Inspector { return Inspector{s: s} }

// Generations returns a projection's live generation and the one being built.
func (in Inspector) Generations(ctx context.Context, projection string) (live, building string, err error) {
	return in.s.Generations(ctx, projection)
}

// Convention every read model keeps, so the check needs little specific:
// documents are hashes "<kind>:<id>" with v (version), d (JSON body), s
// (status), o (owner) and ix (its entries, one per line as put.lua writes
// them). A plain entry (a sorted-set member) belongs to one document; a
// hash-field entry ('=') is one document's field; a counted entry ('+') adds
// the document's weight to a member many documents share (checked as a sum
// over all of them). What each read model adds is its layout (below): which
// of its keys hold plain and hash-field entries, and which document a member
// of such a key belongs to, so members no document claims can be found.

// Expected is what a read model should hold for one aggregate in a given
// state: exactly what its projector writes for that state.
type Expected struct{ w write }

// Key is the document's key under the generation, "<kind>:<id>".
func (e Expected) Key() string { return e.w.suffix }

// Version is the aggregate's version.
func (e Expected) Version() int64 { return e.w.version }

// Document is the JSON body the document should hold.
func (e Expected) Document() []byte { return e.w.doc }

// IndexKeys are the keys the document has a plain or a hash-field entry in,
// or a bit of a counted bitmap: plain sorted sets, hashes and bitmaps whose
// every member, field or bit belongs to one document, so their sizes can be
// counted.
func (e Expected) IndexKeys() []string {
	var keys []string
	for _, en := range e.w.entries {
		switch kindOf(en.suffix) {
		case plainEntry:
			keys = append(keys, en.suffix)
		case hashEntry:
			keys = append(keys, en.suffix[1:])
		default:
			keys = append(keys, bitKeys(en)...)
		}
	}
	return keys
}

// Counted calls fn with each counted entry: the key, the member and the
// weight the document adds to it.
func (e Expected) Counted(fn func(key, member string, weight float64)) {
	for _, en := range e.w.entries {
		if kindOf(en.suffix) == countedEntry {
			fn(en.suffix[1:], en.member, en.score)
		}
	}
}

// ix is the document's list of entries as put.lua writes it.
func (e Expected) ix() string { return e.w.ix() }

// Kinds of entry (put.lua): the first character of the key suffix.
const (
	plainEntry   = 0
	countedEntry = '+'
	hashEntry    = '='
	bitEntry     = '!'
	slicedEntry  = '#'
	textEntry    = '$'
	stayEntry    = '@'
)

func kindOf(suffix string) byte {
	if suffix != "" && strings.IndexByte("+=!#$@", suffix[0]) >= 0 {
		return suffix[0]
	}
	return plainEntry
}

// ExpectListing returns what the listings read model should hold for st.
func (in Inspector) ExpectListing(st events.ListingState) (Expected, error) {
	w, err := listingDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// ExpectUser returns what the users read model should hold for st.
func (in Inspector) ExpectUser(st events.UserState) (Expected, error) {
	w, err := userDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// ExpectOrder returns what the orders read model should hold for st.
func (in Inspector) ExpectOrder(st events.OrderState) (Expected, error) {
	w, err := orderDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// ExpectFavorite returns what the favorites read model should hold for st.
func (in Inspector) ExpectFavorite(st events.FavoriteState) (Expected, error) {
	w, err := favoriteDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// ExpectListingViews returns what the views read model should hold for st.
func (in Inspector) ExpectListingViews(st events.ListingViewsState) (Expected, error) {
	w, err := viewsDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// ExpectHistory returns what the history read model should hold for st.
func (in Inspector) ExpectHistory(st events.HistoryState) (Expected, error) {
	w, err := historyDocs.write(in.s, &st, nil)
	return Expected{w}, err
}

// layout is what a check knows of a projection's keys besides its documents.
type layout struct {
	// index tells whether a key (under the generation) holds entries that
	// each belong to one document, and their kind: plainEntry (a sorted set)
	// or hashEntry (a hash of fields).
	index func(key string) (byte, bool)
	// owner names the document ("<kind>:<id>") a member (or field) of such a
	// key would belong to; "" when the member cannot be any document'in.s.
	owner func(key, member string) string
}

// layoutOf returns the layout of a projection; keep it in step with the
// entries its ...Write builds (TestLayouts_coverEveryEntry checks it).
func layoutOf(projection string) layout {
	none := func(string) (byte, bool) { return 0, false }
	plain := func(ok bool) (byte, bool) { return plainEntry, ok }
	switch projection {
	case Listings:
		return layout{
			index: func(k string) (byte, bool) {
				if countedBits(k) {
					return bitEntry, true
				}
				return plain(strings.HasPrefix(k, "ix:") || (strings.HasPrefix(k, "st:") && strings.HasSuffix(k, ":pts")))
			},
			// Members start with the listing's id ("<id>|..."); a bit's member is the listing's id.
			owner: func(_, m string) string { return "listing:" + memberID(m) },
		}
	case Orders:
		return layout{
			index: func(k string) (byte, bool) {
				if k == "reviewdoc" {
					return hashEntry, true
				}
				return plain(strings.HasPrefix(k, "ix:orders:") || strings.HasPrefix(k, "booked:") || strings.HasPrefix(k, "reviews:"))
			},
			// Every member ends with the order's id: "<id>", "<start>|<end>|<id>", "<listing>|<start>|<end>|<id>".
			owner: func(_, m string) string { return "order:" + m[strings.LastIndexByte(m, '|')+1:] },
		}
	case Favorites:
		return layout{
			index: func(k string) (byte, bool) { return plain(strings.HasPrefix(k, "ix:fav:")) },
			// ix:fav:<user> holds listing ids; the pair's id is derived from both.
			owner: func(k, m string) string {
				user, err1 := uuid.Parse(strings.TrimPrefix(k, "ix:fav:"))
				listing, err2 := uuid.Parse(m)
				if err1 != nil || err2 != nil {
					return ""
				}
				return "fav:" + events.FavoriteID(user, listing).String()
			},
		}
	case Views:
		return layout{
			index: func(k string) (byte, bool) {
				if countedBits(k) {
					return bitEntry, true
				}
				return plain(k == "ix:views")
			},
			owner: func(_, m string) string { return "views:" + m },
		}
	}
	return layout{index: none, owner: func(string, string) string { return "" }} // users, history: documents only
}

// ixSuffix is how a document's ix names an index key.
func ixSuffix(kind byte, key string) string {
	if kind == hashEntry {
		return "=" + key
	}
	return key
}
