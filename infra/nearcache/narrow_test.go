package nearcache

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/query"
)

// searches are the cached answers the tests change the world under, by name.
func searches() map[string]query.SearchListings {
	two, three := 2, 3
	dates := func(from, to string) (time.Time, time.Time) {
		a, _ := time.Parse("2006-01-02", from)
		b, _ := time.Parse("2006-01-02", to)
		return a, b
	}
	jan, feb := [2]time.Time{}, [2]time.Time{}
	jan[0], jan[1] = dates("2027-01-01", "2027-02-01")
	feb[0], feb[1] = dates("2027-03-01", "2027-04-01")
	return map[string]query.SearchListings{
		"all":                {},
		"beijing":            {Filter: query.ListingFilter{City: "beijing"}},
		"shanghai":           {Filter: query.ListingFilter{City: "shanghai"}},
		"haidian":            {Filter: query.ListingFilter{City: "beijing", District: "haidian"}},
		"chaoyang":           {Filter: query.ListingFilter{City: "beijing", District: "chaoyang"}},
		"dongcheng":          {Filter: query.ListingFilter{City: "beijing", District: "dongcheng"}},
		"price 2500-3500":    {Filter: query.ListingFilter{PriceMin: 2500, PriceMax: 3500}},
		"price 4000-4500":    {Filter: query.ListingFilter{PriceMin: 4000, PriceMax: 4500}},
		"price from 4800":    {Filter: query.ListingFilter{PriceMin: 4800, Sort: query.SortPriceDesc}},
		"2 bedrooms":         {Filter: query.ListingFilter{Bedrooms: &two}},
		"3 bedrooms":         {Filter: query.ListingFilter{Bedrooms: &three}},
		"shared":             {Filter: query.ListingFilter{RentType: "shared"}},
		"wifi":               {Filter: query.ListingFilter{Facilities: []string{"wifi"}}},
		"wifi+ac":            {Filter: query.ListingFilter{Facilities: []string{"ac", "wifi"}}},
		"keyword 精装":         {Filter: query.ListingFilter{Keyword: "精装"}},
		"keyword 花园":         {Filter: query.ListingFilter{Keyword: "花园"}},
		"january":            {Filter: query.ListingFilter{From: jan[0], To: jan[1]}},
		"march":              {Filter: query.ListingFilter{From: feb[0], To: feb[1]}},
		"haidian in january": {Filter: query.ListingFilter{City: "beijing", District: "haidian", From: jan[0], To: jan[1]}},
		"shanghai in march":  {Filter: query.ListingFilter{City: "shanghai", From: feb[0], To: feb[1], Page: 2}},
		"by views":           {Filter: query.ListingFilter{Sort: query.SortViews}},
	}
}

// listingNotice is the notice of a listing changed from before to after
// (nil: not published), as put.lua publishes it.
func listingNotice(id uuid.UUID, version int64, before, after *query.ListingFacts) string {
	return readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: id, Version: version,
		Change: query.Change{Listing: &query.ListingChange{ID: id, Before: before, After: after}}}.String()
}

// orderNotice is the notice of a new order of listing whose stay went from
// before to after (nil: holds no dates).
func orderNotice(listing uuid.UUID, version int64, before, after *query.Stay) string {
	return readmodel.ChangeNotice{Kind: readmodel.NoticeOrder, ID: uuid.New(), Version: version,
		Change: query.Change{Stay: &query.StayChange{Listing: listing, Before: before, After: after}}}.String()
}

func stay(from, to string) *query.Stay {
	a, _ := time.Parse(events.DateLayout, from)
	b, _ := time.Parse(events.DateLayout, to)
	return &query.Stay{Start: a, End: b}
}

// cacheAll computes and keeps every search; it returns those computed again
// by the next pass, after a notice.
func cacheAll(t *testing.T, c *Cache) func() []string {
	t.Helper()
	var computed []string
	current := ""
	run := c.Pages()("search", func(context.Context, any) (any, error) {
		computed = append(computed, current)
		return query.Body{JSON: []byte(`{}`), Source: query.FromRedis}, nil
	})
	pass := func() []string {
		computed = nil
		for name, q := range searches() {
			current = name
			if _, err := run(context.Background(), q); err != nil {
				t.Fatal(err)
			}
		}
		slices.Sort(computed)
		return computed
	}
	if got := pass(); len(got) != len(searches()) {
		t.Fatalf("the first pass computes every search: %v", got)
	}
	if got := pass(); len(got) != 0 {
		t.Fatalf("the second pass is answered from the cache: %v", got)
	}
	return pass
}

func TestPages_aListingChangeRetiresOnlyTheSearchesItCouldMatchBeforeOrAfter(t *testing.T) {
	c := newLive(&fakeModels{})
	pass := cacheAll(t, c)
	id := uuid.New()
	// From Haidian at 3,000 (2 bedrooms, whole, wifi, "精装") to Chaoyang at
	// 5,000 (3 bedrooms, wifi and ac, still "精装").
	chaoyang := &query.ListingFacts{City: "beijing", District: "chaoyang", Price: 5000, Bedrooms: 3, RentType: "whole",
		Facilities: []string{"wifi", "ac"}, Text: "南北 精装\rchaoyang"}
	haidian := &query.ListingFacts{City: "beijing", District: "haidian", Price: 3000, Bedrooms: 2, RentType: "whole",
		Facilities: []string{"wifi"}, Text: "精装两居\rhaidian"}
	c.notice(listingNotice(id, 4, haidian, chaoyang))
	want := []string{"2 bedrooms", "3 bedrooms", "all", "beijing", "by views", "chaoyang", "haidian", "haidian in january", "january",
		"keyword 精装", "march", "price 2500-3500", "price from 4800", "wifi", "wifi+ac"}
	slices.Sort(want)
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v,\nwant     %v", got, want)
	}
	// Unpublished: only what could hold it before.
	c.notice(listingNotice(id, 5, chaoyang, nil))
	want = []string{"3 bedrooms", "all", "beijing", "by views", "chaoyang", "january", "keyword 精装", "march", "price from 4800", "wifi", "wifi+ac"}
	slices.Sort(want)
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v,\nwant     %v", got, want)
	}
	// A draft edited: nothing.
	c.notice(listingNotice(uuid.New(), 2, nil, nil))
	if got := pass(); len(got) != 0 {
		t.Fatalf("a listing never published retires nothing: %v", got)
	}
	// A notice that does not say (written before notices did, or by the check): everything.
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: id, Version: 6}.String())
	if got := pass(); len(got) != len(searches()) {
		t.Fatalf("an unknown change retires every search: %v", got)
	}
}

// facts is a published listing as a search tells it.
func facts(city, district string, price int64, bedrooms int, rent string, facilities []string, text string) *query.ListingFacts {
	return &query.ListingFacts{City: city, District: district, Price: price, Bedrooms: bedrooms, RentType: rent, Facilities: facilities, Text: text}
}

// Each filtered field, changed alone, retires exactly the searches that
// could hold the listing before or after (bounds included, as the filters
// include them), and a view count only the searches sorted by views.
func TestPages_eachFilteredFieldRetiresExactlyTheSearchesItCouldMatch(t *testing.T) {
	wifi, wifiAC, ac := []string{"wifi"}, []string{"wifi", "ac"}, []string{"ac"}
	for _, tc := range []struct {
		name          string
		before, after *query.ListingFacts // nil: not published
		want          []string
	}{
		{"rent type", facts("shanghai", "pudong", 6000, 1, "whole", nil, "loft"), facts("shanghai", "pudong", 6000, 1, "shared", nil, "loft"),
			[]string{"shanghai", "price from 4800", "shared", "shanghai in march"}},
		{"price across the bounds", facts("shanghai", "pudong", 3500, 1, "whole", nil, "loft"), facts("shanghai", "pudong", 4000, 1, "whole", nil, "loft"),
			[]string{"shanghai", "price 2500-3500", "price 4000-4500", "shanghai in march"}},
		{"price just out of every window", facts("shanghai", "pudong", 3501, 1, "whole", nil, "loft"), facts("shanghai", "pudong", 3999, 1, "whole", nil, "loft"),
			[]string{"shanghai", "shanghai in march"}},
		{"price up to a minimum", facts("shanghai", "pudong", 4799, 1, "whole", nil, "loft"), facts("shanghai", "pudong", 4800, 1, "whole", nil, "loft"),
			[]string{"shanghai", "price from 4800", "shanghai in march"}},
		{"a keyword dropped from the text", facts("beijing", "dongcheng", 3000, 1, "whole", nil, "花园洋房"), facts("beijing", "dongcheng", 3000, 1, "whole", nil, "洋房"),
			[]string{"beijing", "dongcheng", "price 2500-3500", "keyword 花园"}},
		{"a keyword added to the text", facts("beijing", "dongcheng", 3000, 1, "whole", nil, "洋房"), facts("beijing", "dongcheng", 3000, 1, "whole", nil, "精装洋房"),
			[]string{"beijing", "dongcheng", "price 2500-3500", "keyword 精装"}},
		{"a facility added", facts("shanghai", "pudong", 1000, 1, "whole", wifi, "x"), facts("shanghai", "pudong", 1000, 1, "whole", wifiAC, "x"),
			[]string{"shanghai", "wifi", "wifi+ac", "shanghai in march"}},
		{"bedrooms", facts("shanghai", "pudong", 1000, 2, "whole", nil, "x"), facts("shanghai", "pudong", 1000, 3, "whole", nil, "x"),
			[]string{"shanghai", "2 bedrooms", "3 bedrooms", "shanghai in march"}},
		{"district within a city", facts("beijing", "haidian", 1000, 1, "whole", nil, "x"), facts("beijing", "dongcheng", 1000, 1, "whole", nil, "x"),
			[]string{"beijing", "haidian", "dongcheng", "haidian in january"}},
		{"city", facts("beijing", "chaoyang", 1000, 1, "whole", nil, "x"), facts("shanghai", "pudong", 1000, 1, "whole", nil, "x"),
			[]string{"beijing", "chaoyang", "shanghai", "shanghai in march"}},
		{"published", nil, facts("beijing", "haidian", 4200, 3, "shared", ac, "精装"),
			[]string{"beijing", "haidian", "price 4000-4500", "3 bedrooms", "shared", "keyword 精装", "haidian in january"}},
		{"deleted", facts("beijing", "haidian", 4200, 3, "shared", ac, "精装"), nil,
			[]string{"beijing", "haidian", "price 4000-4500", "3 bedrooms", "shared", "keyword 精装", "haidian in january"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newLive(&fakeModels{})
			pass := cacheAll(t, c)
			c.notice(listingNotice(uuid.New(), 3, tc.before, tc.after))
			// The unscoped searches could hold any listing (any may be free in a window).
			want := append([]string{"all", "by views", "january", "march"}, tc.want...)
			slices.Sort(want)
			if got := pass(); !slices.Equal(got, want) {
				t.Fatalf("retired %v,\nwant     %v", got, want)
			}
		})
	}
	c := newLive(&fakeModels{})
	pass := cacheAll(t, c)
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: uuid.New(), Version: 9}.String())
	if got := pass(); !slices.Equal(got, []string{"by views"}) {
		t.Fatalf("a view count retires the searches sorted by views only: %v", got)
	}
}

func TestPages_anOrderRetiresOnlyTheDatedSearchesItsStayOverlaps(t *testing.T) {
	c := newLive(&fakeModels{})
	pass := cacheAll(t, c)
	listing := uuid.New()
	// Placed for February, then canceled: neither touches January (which
	// ends on February 1st, exclusive) nor March.
	c.notice(orderNotice(listing, 1, nil, stay("2027-02-01", "2027-03-01")))
	if got := pass(); len(got) != 0 {
		t.Fatalf("a stay in February retires no search: %v", got)
	}
	c.notice(orderNotice(listing, 1, nil, stay("2027-01-20", "2027-03-02")))
	want := []string{"haidian in january", "january", "march", "shanghai in march"}
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v, want %v", got, want)
	}
	c.notice(orderNotice(listing, 2, stay("2027-03-31", "2027-06-01"), nil))
	want = []string{"march", "shanghai in march"}
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("a stay given back retires the searches it overlapped: %v, want %v", got, want)
	}
	// The ends are exclusive: a stay leaving on January 1st, or arriving on
	// April 1st, holds no day of January or March; one night does.
	for _, tc := range []struct {
		stay *query.Stay
		want []string
	}{
		{stay("2026-12-01", "2027-01-01"), nil},
		{stay("2027-04-01", "2027-05-01"), nil},
		{stay("2027-01-31", "2027-02-01"), []string{"haidian in january", "january"}},
		{stay("2027-03-31", "2027-04-01"), []string{"march", "shanghai in march"}},
	} {
		c.notice(orderNotice(listing, 1, nil, tc.stay))
		if got := pass(); !slices.Equal(got, tc.want) {
			t.Fatalf("a stay %v retired %v, want %v", tc.stay, got, tc.want)
		}
	}
	// Moved from January to March: both.
	c.notice(orderNotice(listing, 3, stay("2027-01-10", "2027-01-20"), stay("2027-03-10", "2027-03-20")))
	want = []string{"haidian in january", "january", "march", "shanghai in march"}
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("a stay moved retires the windows it left and entered: %v, want %v", got, want)
	}
}

func TestPages_anAnswerComputedWhileAChangeItCouldHoldArrivedIsNotKept(t *testing.T) {
	c := newLive(&fakeModels{})
	computed := 0
	var during func()
	run := c.Pages()("search", func(context.Context, any) (any, error) {
		computed++
		if during != nil {
			during()
		}
		return query.Body{JSON: []byte(`{}`), Source: query.FromRedis}, nil
	})
	haidian := query.SearchListings{Filter: query.ListingFilter{City: "beijing", District: "haidian"}}
	shanghai := query.SearchListings{Filter: query.ListingFilter{City: "shanghai"}}
	during = func() {
		c.notice(listingNotice(uuid.New(), 2, nil, &query.ListingFacts{City: "beijing", District: "haidian", Price: 3000, Bedrooms: 2, RentType: "whole", Text: "t"}))
	}
	run(context.Background(), haidian)
	run(context.Background(), shanghai)
	during = nil
	run(context.Background(), haidian)
	run(context.Background(), shanghai)
	if computed != 3 {
		t.Fatalf("the Haidian answer computed while a Haidian listing changed is computed again, Shanghai's kept: %d computations", computed)
	}
}

func TestPages_equivalentSearchesShareOneAnswer(t *testing.T) {
	c := newLive(&fakeModels{})
	computed := 0
	run := c.Pages()("search", func(context.Context, any) (any, error) {
		computed++
		return query.Body{JSON: []byte(`{}`), Source: query.FromRedis}, nil
	})
	for _, f := range []query.ListingFilter{
		{Keyword: " 精装 Loft", Facilities: []string{"wifi", "ac"}},
		{Keyword: "精装 loft", Facilities: []string{"ac", "wifi", "ac"}, Sort: query.SortNewest, Page: 1, PageSize: query.DefaultPageSize},
		{Keyword: "精装 LOFT\u3000", Facilities: []string{"ac", "wifi"}, Page: 1},
	} {
		run(context.Background(), query.SearchListings{Filter: f})
	}
	if computed != 1 {
		t.Fatalf("one answer for every spelling, computed %d", computed)
	}
	// What differs in meaning does not share.
	for _, f := range []query.ListingFilter{
		{Keyword: "精装 loft", Facilities: []string{"ac"}},
		{Keyword: "精装 loft", Facilities: []string{"ac", "wifi"}, Page: 2},
		{Keyword: "精装 loft", Facilities: []string{"ac", "wifi"}, Sort: query.SortViews},
	} {
		run(context.Background(), query.SearchListings{Filter: f})
	}
	if computed != 4 {
		t.Fatalf("three other searches, three answers: computed %d in all", computed)
	}
}

// rangesModels answers booked ranges.
type rangesModels struct {
	query.ReadModels
	calls int
}

func (f *rangesModels) BookedRanges(context.Context, uuid.UUID, time.Time, time.Time) ([]query.BookedRange, error) {
	f.calls++
	return []query.BookedRange{{OrderID: uuid.New()}}, nil
}

func TestBookedRanges_keptUntilAnOrderOfThatListingChanges(t *testing.T) {
	inner := &rangesModels{}
	c := newLive(inner)
	a, b := uuid.New(), uuid.New()
	from := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	read := func(l uuid.UUID) {
		if _, err := c.BookedRanges(context.Background(), l, from, from.AddDate(1, 0, 0)); err != nil {
			t.Fatal(err)
		}
	}
	read(a)
	read(b)
	read(a)
	read(b)
	if inner.calls != 2 {
		t.Fatalf("kept per listing: %d reads", inner.calls)
	}
	c.notice(orderNotice(a, 1, nil, stay("2027-02-01", "2027-03-01")))
	read(a)
	read(b)
	if inner.calls != 3 {
		t.Fatalf("an order of a retires a's dates only: %d reads", inner.calls)
	}
}
