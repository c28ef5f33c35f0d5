package query

import (
	"bytes"
	"context"
)

// Home is the front page: the hottest listings (most booked), the most viewed
// and the newest, HomeSize of each.
type Home struct{}

// HomeSize is how many listings each list of the home page shows.
const HomeSize = 10

func (Home) CacheKey() string    { return "home" }
func (Home) DependsOn() []string { return onListingsViews }

type HomeHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h HomeHandler) Handle(ctx context.Context, _ Home) (Body, error) {
	var b bytes.Buffer
	source := FromRedis
	b.WriteByte('{')
	for i, part := range []struct{ name, by string }{{"hot", TopBooked}, {"most_viewed", TopViewed}, {"newest", TopNewest}} {
		items, from, err := topListings(ctx, h.RM, h.Fallback, h.Repair, part.by, HomeSize)
		if err != nil {
			return Body{}, err
		}
		if from != FromRedis {
			source = from
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + part.name + `":[`)
		b.Write(bytes.Join(items, []byte(",")))
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return Body{JSON: b.Bytes(), Source: source}, nil
}

// topListings returns up to n published listings of a ranking. The views
// ranking counts every listing ever viewed, so more are read than shown.
func topListings(ctx context.Context, rm ReadModels, fb Fallback, repair Repairer, by string, n int) ([][]byte, string, error) {
	want := n
	if by == TopViewed {
		want = 3 * n
	}
	if ids, err := rm.TopListings(ctx, by, want); err == nil {
		items, err := listingItems(ctx, rm, fb, repair, ids, published)
		if err == nil && (len(items) >= n || len(ids) < want) {
			return items[:min(n, len(items))], FromRedis, nil
		}
	}
	states, err := fb.TopListings(ctx, by, n)
	if err != nil {
		return nil, "", err
	}
	items, err := encodeListings(states)
	return items, FromMySQL, err
}
