package nearcache_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/nearcache"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/query"
)

var cat = rental.NewCatalog([]rental.City{
	{Code: "beijing", Name: "北京", Districts: []rental.District{{Code: "haidian", Name: "海淀区"}, {Code: "chaoyang", Name: "朝阳区"}}},
	{Code: "shanghai", Name: "上海", Districts: []rental.District{{Code: "pudong", Name: "浦东新区"}}},
}, []rental.Facility{{Code: "wifi", Position: 0}, {Code: "ac", Position: 1}})

// Nothing is answered from MySQL here: the read models hold every document.
type noFallback struct{ query.Fallback }
type noRepair struct{ query.Repairer }

// With real writes and their notices, a search kept through a change always
// answers what a fresh search answers, and most changes keep most searches.
func TestPages_noSearchKeptThroughAChangeAnswersOtherwiseThanAFreshOne(t *testing.T) {
	rdb := testenv.Redis(t, testenv.RedisAddr())
	rm := readmodel.New(rdb, rdb, testenv.Prefix(t, testenv.RedisAddr()), cat, testenv.Logger())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for _, p := range readmodel.Projections {
		gen, err := rm.StartRebuild(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rm.Switch(ctx, p, gen); err != nil {
			t.Fatal(err)
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	areas := [][2]string{{"beijing", "haidian"}, {"beijing", "chaoyang"}, {"shanghai", "pudong"}}
	at := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	change := func(st events.ListingState) events.ListingState {
		a := areas[r.IntN(len(areas))]
		st.Version++
		st.City, st.District = a[0], a[1]
		st.Price, st.Bedrooms = int64(1000*(1+r.IntN(6))), 1+r.IntN(3)
		st.RentType = []string{"whole", "shared"}[r.IntN(2)]
		st.Bookings += int64(r.IntN(2)) // listing.booked: the bookings sort moves
		st.Title = []string{"精装两居", "花园洋房", "近地铁"}[r.IntN(3)]
		st.Facilities = [][]string{nil, {"wifi"}, {"wifi", "ac"}}[r.IntN(3)]
		st.Status = []string{events.StatusPublished, events.StatusPublished, events.StatusPublished, events.StatusUnpublished}[r.IntN(4)]
		return st
	}
	listings := make([]events.ListingState, 40)
	for i := range listings {
		published := at.Add(time.Duration(i) * time.Minute)
		listings[i] = change(events.ListingState{ID: uuid.Must(uuid.NewV7()), LandlordID: uuid.New(),
			CreatedAt: at, UpdatedAt: at, PublishedAt: &published})
		if _, err := rm.PutListing(ctx, readmodel.Current, listings[i], nil); err != nil {
			t.Fatal(err)
		}
	}

	c := nearcache.New(nearcache.Config{TTL: time.Minute}, rm, rdb, rm.ChangesChannel(), nil, testenv.Logger())
	go c.Run(ctx)
	h := query.SearchListingsHandler{RM: c, Fallback: noFallback{}, Repair: noRepair{}, Catalog: cat}
	fresh := query.SearchListingsHandler{RM: rm, Fallback: noFallback{}, Repair: noRepair{}, Catalog: cat}
	computed := 0
	run := c.Pages()("search", func(ctx context.Context, q any) (any, error) {
		computed++
		return h.Handle(ctx, q.(query.SearchListings))
	})
	var qs []query.SearchListings
	for i := range 40 {
		f := query.ListingFilter{Sort: []string{query.SortNewest, query.SortPriceAsc, query.SortBookings, query.SortViews}[i%4], PageSize: 5}
		if r.IntN(4) == 0 {
			f.RentType = []string{"whole", "shared"}[r.IntN(2)]
		}
		switch r.IntN(3) {
		case 0:
			f.City = "shanghai"
		case 1:
			f.City, f.District = "beijing", areas[r.IntN(2)][1]
		}
		if r.IntN(2) == 0 {
			f.PriceMin = int64(1000 * r.IntN(6))
			f.PriceMax = f.PriceMin + int64(1000*r.IntN(3))
		}
		if r.IntN(3) == 0 {
			b := 1 + r.IntN(3)
			f.Bedrooms = &b
		}
		if r.IntN(4) == 0 {
			f.Keyword = []string{"精装", "花园", "地铁"}[r.IntN(3)]
		}
		if r.IntN(3) == 0 {
			f.From = at.AddDate(0, 0, 30*r.IntN(10))
			f.To = f.From.AddDate(0, 0, 30)
		}
		qs = append(qs, query.SearchListings{Filter: f})
	}
	// Warm: every search answered once, then from the cache (the
	// subscription may take a moment to be live).
	testenv.Eventually(t, 5*time.Second, func() string {
		for _, q := range qs {
			if _, err := run(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		before := computed
		for _, q := range qs {
			run(ctx, q)
		}
		if computed > before {
			return fmt.Sprintf("%d of %d searches computed again", computed-before, len(qs))
		}
		return ""
	})

	kept, retired := 0, 0
	var placed []events.OrderState
	views := map[uuid.UUID]events.ListingViewsState{}
	for round := range 80 {
		seen := c.Applied()
		switch {
		case round%8 == 5 && len(placed) > 0:
			// A stay given back: the tenant cancels.
			i := r.IntN(len(placed))
			o := placed[i]
			placed = slices.Delete(placed, i, i+1)
			o.Version, o.Status = 2, events.OrderStatusCanceled
			if _, err := rm.PutOrder(ctx, readmodel.Current, o, nil); err != nil {
				t.Fatal(err)
			}
		case round%8 == 7:
			l := listings[r.IntN(len(listings))].ID
			v := views[l]
			v.ID, v.ListingID, v.Version, v.Views = events.ListingViewsID(l), l, v.Version+1, v.Views+int64(1+r.IntN(5))
			views[l] = v
			if _, err := rm.PutListingViews(ctx, readmodel.Current, v, nil); err != nil {
				t.Fatal(err)
			}
		case round%3 == 0:
			l := r.IntN(len(listings))
			start := at.AddDate(0, 0, 20*r.IntN(15))
			o := events.OrderState{ID: uuid.New(), Version: 1, ListingID: listings[l].ID, TenantID: uuid.New(), LandlordID: uuid.New(),
				Status: events.OrderStatusWaitAccept, StartDate: start.Format(events.DateLayout),
				EndDate: start.AddDate(0, 0, 10+r.IntN(40)).Format(events.DateLayout), CreatedAt: at, UpdatedAt: at}
			if _, err := rm.PutOrder(ctx, readmodel.Current, o, nil); err != nil {
				t.Fatal(err)
			}
			placed = append(placed, o)
		default:
			l := r.IntN(len(listings))
			listings[l] = change(listings[l])
			if _, err := rm.PutListing(ctx, readmodel.Current, listings[l], nil); err != nil {
				t.Fatal(err)
			}
		}
		testenv.Eventually(t, 5*time.Second, func() string {
			if c.Applied() == seen {
				return "the change notice has not arrived"
			}
			return ""
		})
		for _, q := range qs {
			before := computed
			got, err := run(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.Handle(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			hit := computed == before
			if hit {
				kept++
			} else {
				retired++
			}
			if !bytes.Equal(got.(query.Body).JSON, want.JSON) {
				t.Fatalf("round %d: %+v kept through the change (%v) answers\n%s\nwhere a fresh search answers\n%s", round, q.Filter,
					hit, got.(query.Body).JSON, want.JSON)
			}
		}
	}
	if kept < (kept+retired)/3 {
		t.Fatalf("changes retire too much: %d answers kept, %d retired", kept, retired)
	}
	t.Logf("%d answers kept through a change, %d retired", kept, retired)
}
