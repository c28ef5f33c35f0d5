package readmodel

import (
	"context"
	_ "embed"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/query"
)

var (
	//go:embed suggest.lua
	suggestSource string
	suggestScript = goredis.NewScript(suggestSource)
)

// TopListings reads one ranking of the home page.
func (s *Store) TopListings(ctx context.Context, by string, limit int) ([]uuid.UUID, error) {
	projection, key := Listings, "ix:listing:all:"+by
	if by == query.TopViewed {
		projection, key = Views, "ix:views"
	}
	base, err := s.base(ctx, projection)
	if err != nil {
		return nil, err
	}
	var members []string
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		members, err = c.ZRevRange(ctx, base+key, 0, int64(limit-1)).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading the %s ranking: %w", by, err)
	}
	return memberIDs(members)
}

// memberIDs parses the ids that begin index members ("<id>|…" or "<id>").
func memberIDs(members []string) ([]uuid.UUID, error) {
	ids := make([]uuid.UUID, 0, len(members))
	for _, m := range members {
		id, err := uuid.Parse(memberID(m))
		if err != nil {
			return nil, fmt.Errorf("bad index member %q", m)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// NearPrice reads the district's price index on both sides of price and
// keeps the closest.
func (s *Store) NearPrice(ctx context.Context, city, district string, price int64, limit int) ([]uuid.UUID, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, err
	}
	key := base + "ix:listing:d:" + city + ":" + district + ":price"
	p := strconv.FormatInt(price, 10)
	var up, down *goredis.StringSliceCmd
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		up = pipe.ZRangeArgs(ctx, goredis.ZRangeArgs{Key: key, Start: p, Stop: "+inf", ByScore: true, Count: int64(limit)})
		// With REV, ZRANGE takes the high end first: go-redis sends Start and Stop as they are.
		down = pipe.ZRangeArgs(ctx, goredis.ZRangeArgs{Key: key, Start: "(" + p, Stop: "-inf", ByScore: true, Rev: true, Count: int64(limit)})
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading listings near %d in %s/%s: %w", price, city, district, err)
	}
	type near struct {
		member string
		gap    int64
	}
	var all []near
	for _, ms := range [][]string{up.Val(), down.Val()} {
		for _, m := range ms {
			parts := strings.Split(m, "|")
			if len(parts) < 4 {
				return nil, fmt.Errorf("bad index member %q", m)
			}
			pr, _ := strconv.ParseInt(parts[3], 10, 64)
			all = append(all, near{m, absInt(pr - price)})
		}
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].gap != all[j].gap {
			return all[i].gap < all[j].gap
		}
		return all[i].member < all[j].member
	})
	members := make([]string, 0, limit)
	for i := 0; i < len(all) && i < limit; i++ {
		members = append(members, all[i].member)
	}
	return memberIDs(members)
}

func absInt(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func (s *Store) Suggest(ctx context.Context, q string, limit int) ([]query.NameCount, []query.NameCount, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, nil, err
	}
	var res []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		res, err = suggestScript.RunRO(ctx, c, nil, base, q, limit).Slice()
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("suggesting %q: %w", q, err)
	}
	if len(res) != 2 {
		return nil, nil, fmt.Errorf("suggest answered %d lists", len(res))
	}
	return nameCounts(res[0]), nameCounts(res[1]), nil
}

func nameCounts(v any) []query.NameCount {
	flat, _ := v.([]any)
	out := []query.NameCount{}
	for i := 0; i+1 < len(flat); i += 2 {
		name, _ := flat[i].(string)
		count, _ := flat[i+1].(string)
		n, _ := strconv.ParseFloat(count, 64)
		out = append(out, query.NameCount{Name: name, Count: int64(n)})
	}
	return out
}

// DistrictStats reads the chart data of a district in one pipeline. The
// aggregates are set-shaped (counted sorted sets kept by the listing
// documents' compare-and-set): a district without published listings has no
// keys, which is an empty chart, not a miss.
func (s *Store) DistrictStats(ctx context.Context, city, district string) (query.ChartData, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return query.ChartData{}, err
	}
	prefix := base + "st:" + city + ":" + district + ":"
	var pts *goredis.StringSliceCmd
	var beds, prices, comm *goredis.ZSliceCmd
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		pts = pipe.ZRange(ctx, prefix+"pts", 0, -1)
		beds = pipe.ZRangeWithScores(ctx, prefix+"beds", 0, -1)
		prices = pipe.ZRangeWithScores(ctx, prefix+"bedprice", 0, -1)
		comm = pipe.ZRevRangeWithScores(ctx, prefix+"comm", 0, query.TopCommunities-1)
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return query.ChartData{}, fmt.Errorf("reading the charts of %s/%s: %w", city, district, err)
	}
	st := query.ChartData{Bedrooms: map[int]int64{}, PriceSums: map[int]int64{}, Points: []query.PricePoint{},
		Communities: []query.NameCount{}}
	for _, m := range pts.Val() {
		parts := strings.Split(m, "|")
		if len(parts) != 3 {
			return query.ChartData{}, fmt.Errorf("bad chart point %q", m)
		}
		area, err1 := strconv.ParseFloat(parts[1], 64)
		price, err2 := strconv.ParseInt(parts[2], 10, 64)
		if err1 != nil || err2 != nil {
			return query.ChartData{}, fmt.Errorf("bad chart point %q", m)
		}
		st.Points = append(st.Points, query.PricePoint{AreaSqm: area, Price: price})
	}
	for _, z := range beds.Val() {
		n, _ := strconv.Atoi(z.Member.(string))
		st.Bedrooms[n] = int64(math.Round(z.Score))
	}
	for _, z := range prices.Val() {
		n, _ := strconv.Atoi(z.Member.(string))
		st.PriceSums[n] = int64(math.Round(z.Score))
	}
	for _, z := range comm.Val() {
		st.Communities = append(st.Communities, query.NameCount{Name: z.Member.(string), Count: int64(math.Round(z.Score))})
	}
	return st, nil
}
