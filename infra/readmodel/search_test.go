package readmodel_test

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/query"
)

var searchCat = rental.NewCatalog([]rental.City{
	{Code: "beijing", Name: "北京", Districts: []rental.District{{Code: "haidian", Name: "海淀区"}, {Code: "chaoyang", Name: "朝阳区"}}},
	{Code: "shanghai", Name: "上海", Districts: []rental.District{{Code: "pudong", Name: "浦东新区"}}},
}, []rental.Facility{{Code: "wifi", Position: 0}, {Code: "ac", Position: 1}, {Code: "tv", Position: 2}})

// world is what the read models were told, kept to work out every answer by
// a scan: the newest state of each listing, its views, and the stays held.
type world struct {
	listings map[uuid.UUID]events.ListingState
	views    map[uuid.UUID]int64
	stays    map[uuid.UUID][][2]time.Time // by listing
}

// build writes a random catalogue into s, every aggregate through several
// versions delivered out of order and twice, and returns what the read
// models must end up with.
func build(t *testing.T, s *readmodel.Store, r *rand.Rand, n int) world {
	t.Helper()
	ctx := context.Background()
	w := world{listings: map[uuid.UUID]events.ListingState{}, views: map[uuid.UUID]int64{}, stays: map[uuid.UUID][][2]time.Time{}}
	areas := [][3]string{{"beijing", "haidian", "海淀区"}, {"beijing", "chaoyang", "朝阳区"}, {"shanghai", "pudong", "浦东新区"}}
	words := []string{"精装", "精装修", "近地铁", "南北通透", "Sunny", "garden", "阳光", "花园", "loft", "整租"}
	var writes []func()
	base := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id := uuid.Must(uuid.NewV7())
		var versions []events.ListingState
		st := events.ListingState{ID: id, LandlordID: uuid.New(), CreatedAt: base, UpdatedAt: base}
		for v := int64(1); v <= int64(1+r.IntN(4)); v++ {
			a := areas[r.IntN(len(areas))]
			st.Version = v
			st.City, st.District, st.DistrictName = a[0], a[1], a[2]
			st.Title = words[r.IntN(len(words))] + " " + words[r.IntN(len(words))]
			st.Block, st.Community = words[r.IntN(len(words))], []string{"翠湖", "Sunny Garden", ""}[r.IntN(3)]
			st.Price = int64(1000 + 500*r.IntN(12))
			st.Bedrooms, st.RentType = 1+r.IntN(3), []string{"whole", "shared"}[r.IntN(2)]
			st.Facilities = nil
			for _, f := range []string{"wifi", "ac", "tv"} {
				if r.IntN(2) == 0 {
					st.Facilities = append(st.Facilities, f)
				}
			}
			st.Bookings = int64(r.IntN(3))
			st.Status = []string{events.StatusPublished, events.StatusPublished, events.StatusPublished, events.StatusUnpublished,
				events.StatusDraft, events.StatusDeleted}[r.IntN(6)]
			// Some listings share a publication time: ties go by id.
			at := base.Add(time.Duration(r.IntN(n/3+1)) * time.Minute)
			st.PublishedAt = &at
			versions = append(versions, st)
		}
		w.listings[id] = versions[len(versions)-1]
		for _, v := range versions {
			writes = append(writes, func() {
				if _, err := s.PutListing(ctx, readmodel.Current, v, nil); err != nil {
					t.Fatal(err)
				}
			})
		}
		if i%3 == 0 {
			views := events.ListingViewsState{ID: events.ListingViewsID(id), ListingID: id}
			for v := int64(1); v <= 2; v++ {
				views.Version, views.Views = v, int64(r.IntN(5))
				st := views
				writes = append(writes, func() {
					if _, err := s.PutListingViews(ctx, readmodel.Current, st, nil); err != nil {
						t.Fatal(err)
					}
				})
			}
			w.views[id] = views.Views
		}
		// Stays: back to back or apart, some canceled (their dates free again).
		day := base.AddDate(0, 0, r.IntN(60))
		for range r.IntN(4) {
			end := day.AddDate(0, 0, 5+r.IntN(200))
			order := events.OrderState{ID: uuid.New(), ListingID: id, TenantID: uuid.New(), LandlordID: uuid.New(), Version: 1,
				Status: events.OrderStatusWaitAccept, StartDate: day.Format(events.DateLayout), EndDate: end.Format(events.DateLayout),
				CreatedAt: base, UpdatedAt: base}
			states := []events.OrderState{order}
			order.Version, order.Status = 2, []string{events.OrderStatusWaitPayment, events.OrderStatusCanceled}[r.IntN(2)]
			states = append(states, order)
			if order.Status == events.OrderStatusWaitPayment {
				w.stays[id] = append(w.stays[id], [2]time.Time{day, end})
			}
			for _, st := range states {
				writes = append(writes, func() {
					if _, err := s.PutOrder(ctx, readmodel.Current, st, nil); err != nil {
						t.Fatal(err)
					}
				})
			}
			day = end.AddDate(0, 0, r.IntN(20))
		}
	}
	r.Shuffle(len(writes), func(i, j int) { writes[i], writes[j] = writes[j], writes[i] })
	for _, write := range append(writes, writes[:len(writes)/2]...) {
		write()
	}
	return w
}

// answer is the search worked out by a scan of the world.
func (w world) answer(f query.ListingFilter) ([]uuid.UUID, int) {
	var hits []events.ListingState
	for _, st := range w.listings {
		if st.Status != events.StatusPublished || (f.City != "" && st.City != f.City) || (f.District != "" && st.District != f.District) ||
			(f.PriceMin > 0 && st.Price < f.PriceMin) || (f.PriceMax > 0 && st.Price > f.PriceMax) ||
			(f.Bedrooms != nil && st.Bedrooms != *f.Bedrooms) || (f.RentType != "" && st.RentType != f.RentType) {
			continue
		}
		ok := true
		for _, fac := range f.Facilities {
			ok = ok && slices.Contains(st.Facilities, fac)
		}
		ok = ok && strings.Contains(st.SearchText(), f.Keyword)
		for _, stay := range w.stays[st.ID] {
			ok = ok && !(f.Dated() && stay[0].Before(f.To) && stay[1].After(f.From))
		}
		if ok {
			hits = append(hits, st)
		}
	}
	byID := func(a, b events.ListingState) int { return bytes.Compare(a.ID[:], b.ID[:]) }
	slices.SortFunc(hits, func(a, b events.ListingState) int {
		switch f.Sort {
		case query.SortPriceAsc:
			return cmp.Or(cmp.Compare(a.Price, b.Price), byID(a, b))
		case query.SortPriceDesc:
			return -cmp.Or(cmp.Compare(a.Price, b.Price), byID(a, b))
		case query.SortBookings:
			return -cmp.Or(cmp.Compare(a.Bookings, b.Bookings), byID(a, b))
		case query.SortViews:
			return -cmp.Or(cmp.Compare(w.views[a.ID], w.views[b.ID]), byID(a, b))
		}
		return -cmp.Or(cmp.Compare(a.PublishedAt.UnixMilli(), b.PublishedAt.UnixMilli()), byID(a, b))
	})
	lo := min((f.Page-1)*f.PageSize, len(hits))
	var ids []uuid.UUID
	for _, st := range hits[lo:min(lo+f.PageSize, len(hits))] {
		ids = append(ids, st.ID)
	}
	return ids, len(hits)
}

func randomFilter(r *rand.Rand) query.ListingFilter {
	f := query.ListingFilter{Sort: []string{query.SortNewest, query.SortPriceAsc, query.SortPriceDesc, query.SortBookings, query.SortViews}[r.IntN(5)],
		Page: 1 + r.IntN(4), PageSize: 1 + r.IntN(12)}
	switch r.IntN(3) {
	case 0:
		f.City = []string{"beijing", "shanghai"}[r.IntN(2)]
	case 1:
		f.City, f.District = "beijing", []string{"haidian", "chaoyang"}[r.IntN(2)]
	}
	if r.IntN(2) == 0 {
		f.PriceMin = int64(500 * r.IntN(14))
	}
	if r.IntN(2) == 0 {
		f.PriceMax = f.PriceMin + int64(500*r.IntN(10))
	}
	if r.IntN(4) == 0 {
		b := 1 + r.IntN(3)
		f.Bedrooms = &b
	}
	if r.IntN(4) == 0 {
		f.RentType = []string{"whole", "shared"}[r.IntN(2)]
	}
	if r.IntN(4) == 0 {
		f.Facilities = [][]string{{"wifi"}, {"ac", "tv"}, {"wifi", "ac", "tv"}}[r.IntN(3)]
	}
	if r.IntN(3) == 0 {
		f.Keyword = []string{"精装", "精装修", "近地铁", "sunny", "s", "装", "海淀", "花园", "garden", "nothing", "阳光花园"}[r.IntN(11)]
	}
	if r.IntN(2) == 0 {
		f.From = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(400))
		f.To = f.From.AddDate(0, 0, 1+r.IntN(300))
	}
	return f
}

func TestSearch_answersLikeAScanOfTheListings(t *testing.T) {
	rdb := testenv.Redis(t, testenv.RedisAddr())
	s := readmodel.New(rdb, rdb, testenv.Prefix(t, testenv.RedisAddr()), searchCat, testenv.Logger())
	ctx := context.Background()
	for _, p := range readmodel.Projections {
		gen, err := s.StartRebuild(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Switch(ctx, p, gen); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(7, 11))
	w := build(t, s, r, 300)
	// The answers must not be trivially equal: most find something, and the
	// dates and keywords leave listings out.
	found, datesFilter, keywordsFilter := 0, 0, 0
	for i := range 600 {
		f := randomFilter(r)
		want, wantTotal := w.answer(f)
		if wantTotal > 0 {
			found++
		}
		undated := f
		undated.From, undated.To, undated.Keyword = time.Time{}, time.Time{}, ""
		if _, all := w.answer(undated); f.Dated() && f.Keyword == "" && all > wantTotal {
			datesFilter++
		} else if f.Keyword != "" && !f.Dated() && all > wantTotal {
			keywordsFilter++
		}
		got, total, err := s.SearchListings(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if total != wantTotal || !slices.Equal(got, want) {
			t.Fatalf("search %d %s: got %v (total %d), want %v (total %d)", i, describe(f), got, total, want, wantTotal)
		}
	}
	if found < 300 || datesFilter < 50 || keywordsFilter < 30 {
		t.Fatalf("too easy: %d of 600 searches found listings, dates left some out in %d, keywords in %d", found, datesFilter, keywordsFilter)
	}
	t.Logf("%d of 600 searches found listings; dates left some out in %d, keywords in %d", found, datesFilter, keywordsFilter)
}

func describe(f query.ListingFilter) string {
	beds := "-"
	if f.Bedrooms != nil {
		beds = fmt.Sprint(*f.Bedrooms)
	}
	return fmt.Sprintf("%s/%s price %d-%d beds %s rent %q fac %v kw %q dates %s-%s sort %s page %d×%d", f.City, f.District,
		f.PriceMin, f.PriceMax, beds, f.RentType, f.Facilities, f.Keyword, f.From.Format(events.DateLayout), f.To.Format(events.DateLayout),
		f.Sort, f.Page, f.PageSize)
}
