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

// Recommendations suggests listings to the acting user from what they viewed
// and favorited: listings in the districts they looked at most (a favorite
// weighs twice a view), close to the median price of what they looked at,
// not already seen, not their own. Without any history it shows the hottest
// listings.
type Recommendations struct {
	Actor rental.Actor
}

// RecommendationsSize is how many listings are recommended.
const RecommendationsSize = 10

type RecommendationsHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h RecommendationsHandler) Handle(ctx context.Context, q Recommendations) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	hist, histSource, err := MyHistoryHandler{h.RM, h.Fallback, h.Repair}.history(ctx, q.Actor.UserID, 0)
	if err != nil {
		return Body{}, err
	}
	source := histSource
	favs, _, err := h.RM.Favorites(ctx, q.Actor.UserID, 0, 20)
	if err != nil {
		source = FromMySQL
		if favs, _, err = h.Fallback.Favorites(ctx, q.Actor.UserID, 0, 20, false); err != nil {
			return Body{}, err
		}
	}
	weight := map[uuid.UUID]int{}
	for _, it := range hist.Items {
		weight[it.ListingID]++
	}
	for _, id := range favs {
		weight[id] += 2
	}
	seeds := make([]uuid.UUID, 0, len(weight))
	for id := range weight {
		seeds = append(seeds, id)
	}
	docs, err := listingDocs(ctx, h.RM, h.Fallback, h.Repair, seeds, anyListing)
	if err != nil {
		return Body{}, err
	}
	type area struct{ city, district string }
	areas := map[area]int{}
	var prices []int64
	for i, d := range docs {
		if !d.Found() {
			continue
		}
		id := seeds[i]
		var st struct {
			City     string `json:"city"`
			District string `json:"district"`
			Price    int64  `json:"price"`
		}
		if err := events.DecodeJSON(d.JSON, &st); err != nil {
			return Body{}, fmt.Errorf("decoding listing %s: %w", id, err)
		}
		areas[area{st.City, st.District}] += weight[id]
		prices = append(prices, st.Price)
	}
	if len(prices) == 0 {
		items, from, err := topListings(ctx, h.RM, h.Fallback, h.Repair, TopBooked, RecommendationsSize)
		if err != nil {
			return Body{}, err
		}
		return Body{JSON: pageJSON(items, len(items), 1, RecommendationsSize), Source: from}, nil
	}
	slices.Sort(prices)
	median := prices[len(prices)/2]
	ranked := make([]area, 0, len(areas))
	for a := range areas {
		ranked = append(ranked, a)
	}
	slices.SortFunc(ranked, func(x, y area) int {
		return cmp.Or(cmp.Compare(areas[y], areas[x]), cmp.Compare(x.city, y.city), cmp.Compare(x.district, y.district))
	})
	type pick struct {
		c     candidate
		score int
	}
	var picks []pick
	seen := map[uuid.UUID]bool{}
	for _, a := range ranked[:min(3, len(ranked))] {
		cands, from, err := nearPrice(ctx, h.RM, h.Fallback, h.Repair, a.city, a.district, median, 2*RecommendationsSize)
		if err != nil {
			return Body{}, err
		}
		if from != FromRedis {
			source = from
		}
		for _, c := range cands {
			if weight[c.ID] > 0 || seen[c.ID] || c.LandlordID == q.Actor.UserID {
				continue
			}
			seen[c.ID] = true
			picks = append(picks, pick{c, areas[a]})
		}
	}
	slices.SortStableFunc(picks, func(x, y pick) int {
		return cmp.Or(cmp.Compare(y.score, x.score), cmp.Compare(gap(x.c.Price, median), gap(y.c.Price, median)),
			slices.Compare(x.c.ID[:], y.c.ID[:]))
	})
	items := make([][]byte, 0, RecommendationsSize)
	for _, p := range picks[:min(RecommendationsSize, len(picks))] {
		items = append(items, p.c.doc)
	}
	return Body{JSON: pageJSON(items, len(items), 1, RecommendationsSize), Source: source}, nil
}
