package query

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// SimilarListings returns up to SimilarSize published listings like a given
// one: in its district, the closest in price, those in the same block first.
type SimilarListings struct {
	Actor     rental.Actor
	ListingID uuid.UUID
}

// SimilarSize is how many similar listings are shown; similarCandidates how
// many of the closest in price are considered.
const (
	SimilarSize       = 10
	similarCandidates = 40
)

// CacheKey and DependsOn make the similar listings of a published listing a
// Shared query (every listing page reads them); any listing change retires
// them, since the query does not know the district it will look in.
func (q SimilarListings) CacheKey() string {
	var buf [48]byte
	return string(appendKey(buf[:0], "similar", q.ListingID))
}

func (SimilarListings) DependsOn() []string { return onListings }

type SimilarListingsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h SimilarListingsHandler) Handle(ctx context.Context, q SimilarListings) (Body, error) {
	ld := ListingDetailHandler{RM: h.RM, Fallback: h.Fallback, Repair: h.Repair}
	b, status, _, err := ld.listing(ctx, ListingDetail{Actor: q.Actor, ID: q.ListingID})
	if err != nil {
		return Body{}, err
	}
	var l struct {
		candidate
		City     string `json:"city"`
		District string `json:"district"`
	}
	if err := events.DecodeJSON(b.JSON, &l); err != nil {
		return Body{}, fmt.Errorf("decoding listing %s: %w", q.ListingID, err)
	}
	cands, source, err := nearPrice(ctx, h.RM, h.Fallback, h.Repair, l.City, l.District, l.Price, similarCandidates)
	if err != nil {
		return Body{}, err
	}
	cands = slices.DeleteFunc(cands, func(c candidate) bool { return c.ID == l.ID })
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if x, y := a.Block == l.Block, b.Block == l.Block; x != y {
			if x {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(gap(a.Price, l.Price), gap(b.Price, l.Price)), slices.Compare(a.ID[:], b.ID[:]))
	})
	items := docsOf(cands[:min(SimilarSize, len(cands))])
	return Body{JSON: pageJSON(items, len(items), 1, SimilarSize), Source: source, Private: status != events.StatusPublished}, nil
}

func gap(a, b int64) int64 {
	if a > b {
		return a - b
	}
	return b - a
}

// candidate is a listing as the similar and recommended lists rank it: the
// few members they compare, and its document as an answer carries it.
// Ranking 40 candidates decoded whole cost most of a similar list.
type candidate struct {
	ID         uuid.UUID `json:"id"`
	LandlordID uuid.UUID `json:"landlord_id"`
	Block      string    `json:"block"`
	Price      int64     `json:"price"`
	doc        []byte
}

// docsOf is the documents of cands, in order.
func docsOf(cands []candidate) [][]byte {
	out := make([][]byte, len(cands))
	for i, c := range cands {
		out[i] = c.doc
	}
	return out
}

// nearPrice returns the published listings of a district closest in price.
func nearPrice(ctx context.Context, rm ReadModels, fb Fallback, repair Repairer, city, district string, price int64, n int) ([]candidate, string, error) {
	if ids, err := rm.NearPrice(ctx, city, district, price, n); err == nil {
		if docs, err := listingDocs(ctx, rm, fb, repair, ids, published); err == nil {
			out := make([]candidate, 0, len(ids))
			for i, d := range docs {
				if !d.Found() {
					continue
				}
				c := candidate{doc: d.JSON}
				if err := events.DecodeJSON(d.JSON, &c); err != nil {
					return nil, "", fmt.Errorf("decoding listing %s: %w", ids[i], err)
				}
				out = append(out, c)
			}
			return out, FromRedis, nil
		}
	}
	states, err := fb.NearPrice(ctx, city, district, price, n)
	if err != nil {
		return nil, "", err
	}
	items, err := encodeListings(states)
	if err != nil {
		return nil, "", err
	}
	out := make([]candidate, len(states))
	for i, st := range states {
		out[i] = candidate{ID: st.ID, LandlordID: st.LandlordID, Block: st.Block, Price: st.Price, doc: items[i]}
	}
	return out, FromMySQL, nil
}
