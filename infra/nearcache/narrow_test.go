package nearcache

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

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
	c.notice("listing " + id.String() + " 4\tbeijing|chaoyang|5000|3|whole|wifi,ac|南北 精装\rchaoyang" +
		"\tbeijing|haidian|3000|2|whole|wifi|精装两居\rhaidian")
	want := []string{"2 bedrooms", "3 bedrooms", "all", "beijing", "by views", "chaoyang", "haidian", "haidian in january", "january",
		"keyword 精装", "march", "price 2500-3500", "price from 4800", "wifi", "wifi+ac"}
	slices.Sort(want)
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v,\nwant     %v", got, want)
	}
	// Unpublished: only what could hold it before.
	c.notice("listing " + id.String() + " 5\t-\tbeijing|chaoyang|5000|3|whole|wifi,ac|南北 精装\rchaoyang")
	want = []string{"3 bedrooms", "all", "beijing", "by views", "chaoyang", "january", "keyword 精装", "march", "price from 4800", "wifi", "wifi+ac"}
	slices.Sort(want)
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v,\nwant     %v", got, want)
	}
	// A draft edited: nothing.
	c.notice("listing " + uuid.NewString() + " 2\t-\t-")
	if got := pass(); len(got) != 0 {
		t.Fatalf("a listing never published retires nothing: %v", got)
	}
	// A notice that does not say (written before notices did, or by the check): everything.
	c.notice("listing " + id.String() + " 6")
	if got := pass(); len(got) != len(searches()) {
		t.Fatalf("an unknown change retires every search: %v", got)
	}
}

// Each filtered field, changed alone, retires exactly the searches that
// could hold the listing before or after (bounds included, as the filters
// include them), and a view count only the searches sorted by views.
func TestPages_eachFilteredFieldRetiresExactlyTheSearchesItCouldMatch(t *testing.T) {
	dated := []string{"january", "march"} // every listing could be free in a window
	for _, tc := range []struct {
		name          string
		before, after string // listing summaries ("-": not published)
		want          []string
	}{
		{"rent type", "shanghai|pudong|6000|1|whole||loft", "shanghai|pudong|6000|1|shared||loft",
			[]string{"shanghai", "price from 4800", "shared", "shanghai in march"}},
		{"price across the bounds", "shanghai|pudong|3500|1|whole||loft", "shanghai|pudong|4000|1|whole||loft",
			[]string{"shanghai", "price 2500-3500", "price 4000-4500", "shanghai in march"}},
		{"price just out of every window", "shanghai|pudong|3501|1|whole||loft", "shanghai|pudong|3999|1|whole||loft",
			[]string{"shanghai", "shanghai in march"}},
		{"price up to a minimum", "shanghai|pudong|4799|1|whole||loft", "shanghai|pudong|4800|1|whole||loft",
			[]string{"shanghai", "price from 4800", "shanghai in march"}},
		{"a keyword dropped from the text", "beijing|dongcheng|3000|1|whole||花园洋房", "beijing|dongcheng|3000|1|whole||洋房",
			[]string{"beijing", "dongcheng", "price 2500-3500", "keyword 花园"}},
		{"a keyword added to the text", "beijing|dongcheng|3000|1|whole||洋房", "beijing|dongcheng|3000|1|whole||精装洋房",
			[]string{"beijing", "dongcheng", "price 2500-3500", "keyword 精装"}},
		{"a facility added", "shanghai|pudong|1000|1|whole|wifi|x", "shanghai|pudong|1000|1|whole|wifi,ac|x",
			[]string{"shanghai", "wifi", "wifi+ac", "shanghai in march"}},
		{"bedrooms", "shanghai|pudong|1000|2|whole||x", "shanghai|pudong|1000|3|whole||x",
			[]string{"shanghai", "2 bedrooms", "3 bedrooms", "shanghai in march"}},
		{"district within a city", "beijing|haidian|1000|1|whole||x", "beijing|dongcheng|1000|1|whole||x",
			[]string{"beijing", "haidian", "dongcheng", "haidian in january"}},
		{"city", "beijing|chaoyang|1000|1|whole||x", "shanghai|pudong|1000|1|whole||x",
			[]string{"beijing", "chaoyang", "shanghai", "shanghai in march"}},
		{"published", "-", "beijing|haidian|4200|3|shared|ac|精装",
			[]string{"beijing", "haidian", "price 4000-4500", "3 bedrooms", "shared", "keyword 精装", "haidian in january"}},
		{"deleted", "beijing|haidian|4200|3|shared|ac|精装", "-",
			[]string{"beijing", "haidian", "price 4000-4500", "3 bedrooms", "shared", "keyword 精装", "haidian in january"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newLive(&fakeModels{})
			pass := cacheAll(t, c)
			c.notice("listing " + uuid.NewString() + " 3\t" + tc.after + "\t" + tc.before)
			// Unscoped searches (every listing could be in them) go too.
			want := append(append([]string{"all", "by views"}, dated...), tc.want...)
			slices.Sort(want)
			if got := pass(); !slices.Equal(got, want) {
				t.Fatalf("retired %v,\nwant     %v", got, want)
			}
		})
	}
	c := newLive(&fakeModels{})
	pass := cacheAll(t, c)
	c.notice("views " + uuid.NewString() + " 9")
	if got := pass(); !slices.Equal(got, []string{"by views"}) {
		t.Fatalf("a view count retires the searches sorted by views only: %v", got)
	}
}

func TestPages_anOrderRetiresOnlyTheDatedSearchesItsStayOverlaps(t *testing.T) {
	c := newLive(&fakeModels{})
	pass := cacheAll(t, c)
	listing := uuid.NewString()
	// Placed for February, then canceled: neither touches January (which
	// ends on February 1st, exclusive) nor March.
	c.notice("order " + uuid.NewString() + " 1\t" + listing + "|2027-02-01|2027-03-01\t-")
	if got := pass(); len(got) != 0 {
		t.Fatalf("a stay in February retires no search: %v", got)
	}
	c.notice("order " + uuid.NewString() + " 1\t" + listing + "|2027-01-20|2027-03-02\t-")
	want := []string{"haidian in january", "january", "march", "shanghai in march"}
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("retired %v, want %v", got, want)
	}
	c.notice("order " + uuid.NewString() + " 2\t-\t" + listing + "|2027-03-31|2027-06-01")
	want = []string{"march", "shanghai in march"}
	if got := pass(); !slices.Equal(got, want) {
		t.Fatalf("a stay given back retires the searches it overlapped: %v, want %v", got, want)
	}
	// The ends are exclusive: a stay leaving on January 1st, or arriving on
	// April 1st, holds no day of January or March; one night does.
	for _, tc := range []struct {
		stay string
		want []string
	}{
		{"2026-12-01|2027-01-01", nil},
		{"2027-04-01|2027-05-01", nil},
		{"2027-01-31|2027-02-01", []string{"haidian in january", "january"}},
		{"2027-03-31|2027-04-01", []string{"march", "shanghai in march"}},
	} {
		c.notice("order " + uuid.NewString() + " 1\t" + listing + "|" + tc.stay + "\t-")
		if got := pass(); !slices.Equal(got, tc.want) {
			t.Fatalf("a stay %s retired %v, want %v", tc.stay, got, tc.want)
		}
	}
	// Moved from January to March: both.
	c.notice("order " + uuid.NewString() + " 3\t" + listing + "|2027-03-10|2027-03-20\t" + listing + "|2027-01-10|2027-01-20")
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
		c.notice("listing " + uuid.NewString() + " 2\tbeijing|haidian|3000|2|whole||t\t-")
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
	c.notice("order " + uuid.NewString() + " 1\t" + a.String() + "|2027-02-01|2027-03-01\t-")
	read(a)
	read(b)
	if inner.calls != 3 {
		t.Fatalf("an order of a retires a's dates only: %d reads", inner.calls)
	}
}
