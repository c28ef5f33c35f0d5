package readmodel_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/query"
)

func orderState(id, listing, tenant uuid.UUID, version int64, status, start, end string) events.OrderState {
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	return events.OrderState{ID: id, Version: version, ListingID: listing, TenantID: tenant, LandlordID: uuid.Nil,
		Status: status, StartDate: start, EndDate: end, CreatedAt: at, UpdatedAt: at.Add(time.Duration(version) * time.Minute)}
}

func date(s string) time.Time {
	t, _ := time.Parse(events.DateLayout, s)
	return t
}

func booked(t *testing.T, s *readmodel.Store, listing uuid.UUID, from, to string) []query.BookedRange {
	t.Helper()
	r, err := s.BookedRanges(context.Background(), listing, date(from), date(to))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func putOrder(t *testing.T, s *readmodel.Store, st events.OrderState) bool {
	t.Helper()
	applied, err := s.PutOrder(context.Background(), readmodel.Current, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	return applied
}

func TestOrders_bookedRangesFollowTheOrderWhateverTheDeliveryOrder(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	id, listing, tenant := uuid.New(), uuid.New(), uuid.New()
	placed := orderState(id, listing, tenant, 1, events.OrderStatusWaitAccept, "2027-01-10", "2027-03-10")
	canceled := orderState(id, listing, tenant, 2, events.OrderStatusCanceled, "2027-01-10", "2027-03-10")

	if got := booked(t, s, listing, "2027-01-01", "2028-01-01"); len(got) != 0 {
		t.Fatalf("a listing never booked has no ranges (not a miss): %v", got)
	}
	// The cancellation arrives first, then the placement late, then both again.
	if !putOrder(t, s, canceled) || putOrder(t, s, placed) || putOrder(t, s, canceled) || putOrder(t, s, placed) {
		t.Fatal("only the first write of the highest version applies")
	}
	if got := booked(t, s, listing, "2027-01-01", "2028-01-01"); len(got) != 0 {
		t.Fatalf("a late placement must not bring back a canceled stay: %v", got)
	}
	other := uuid.New()
	putOrder(t, s, orderState(other, listing, tenant, 1, events.OrderStatusWaitAccept, "2027-04-01", "2027-05-01"))
	for _, tc := range []struct {
		from, to string
		want     int
	}{{"2027-03-01", "2027-04-01", 0}, {"2027-03-01", "2027-04-02", 1}, {"2027-04-30", "2027-06-01", 1}, {"2027-05-01", "2027-06-01", 0}} {
		if got := booked(t, s, listing, tc.from, tc.to); len(got) != tc.want {
			t.Errorf("[%s, %s): %d ranges, want %d (%v)", tc.from, tc.to, len(got), tc.want, got)
		}
	}
	r := booked(t, s, listing, "2027-01-01", "2028-01-01")
	if len(r) != 1 || r[0].OrderID != other || !r[0].Start.Equal(date("2027-04-01")) || !r[0].End.Equal(date("2027-05-01")) {
		t.Fatalf("the range is the order's stay: %+v", r)
	}
	// Lists by role and status move with the status.
	ids, total, err := s.UserOrders(ctx, tenant, query.RoleTenant, events.OrderStatusCanceled, 0, 10)
	if err != nil || total != 1 || ids[0] != id {
		t.Fatalf("the tenant's canceled orders: %v %d %v", ids, total, err)
	}
	if _, total, _ := s.UserOrders(ctx, tenant, query.RoleTenant, events.OrderStatusWaitAccept, 0, 10); total != 1 {
		t.Fatalf("one order waits: %d", total)
	}
	if _, _, err := s.UserOrders(ctx, uuid.New(), query.RoleTenant, "", 0, 10); err != query.ErrMiss {
		t.Fatalf("a user without orders is a miss (MySQL answers): %v", err)
	}
}

func TestOrders_datedSearchLeavesOutListingsWithAStayInTheRange(t *testing.T) {
	s := newStore(t)
	free, taken := uuid.New(), uuid.New()
	mustPut(t, s, listing(free, 1, 3000, "haidian", events.StatusPublished))
	mustPut(t, s, listing(taken, 1, 3000, "haidian", events.StatusPublished))
	putOrder(t, s, orderState(uuid.New(), taken, uuid.New(), 1, events.OrderStatusPaid, "2027-01-01", "2029-12-01"))
	for _, tc := range []struct {
		from, to string
		want     int
	}{{"2026-12-01", "2027-01-01", 2}, {"2026-12-01", "2027-01-02", 1}, {"2029-06-01", "2029-07-01", 1}, {"2029-12-01", "2030-01-01", 2}} {
		got := search(t, s, query.ListingFilter{From: date(tc.from), To: date(tc.to)})
		if len(got) != tc.want {
			t.Errorf("[%s, %s): %d listings, want %d", tc.from, tc.to, len(got), tc.want)
		}
	}
}

func TestCharts_stayExactUnderRedeliveryAndFollowEveryChange(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	v1 := listing(a, 1, 3000, "haidian", events.StatusPublished)
	v1.Community, v1.AreaSqm = "翠湖", 50
	v2 := v1
	v2.Version, v2.Price, v2.Bedrooms, v2.Community = 2, 4000, 3, "阳光\t花园" // a tab never breaks the entries
	other := listing(b, 1, 6000, "haidian", events.StatusPublished)
	other.AreaSqm = 100
	for _, st := range []events.ListingState{v1, v2, v1, other, v2, other, v1} { // repeats and late arrivals
		if _, err := s.PutListing(ctx, readmodel.Current, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.DistrictStats(ctx, "beijing", "haidian")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Points) != 2 || st.Bedrooms[3] != 1 || st.Bedrooms[2] != 1 || st.PriceSums[3] != 4000 || st.PriceSums[2] != 6000 {
		t.Fatalf("each listing counts once, at its latest version: %+v", st)
	}
	if len(st.Communities) != 1 || st.Communities[0].Name != "阳光 花园" || st.Communities[0].Count != 1 {
		t.Fatalf("the old community is gone, the new one counts once: %+v", st.Communities)
	}
	gone := v2
	gone.Version, gone.Status = 3, events.StatusUnpublished
	mustPut(t, s, gone)
	st, _ = s.DistrictStats(ctx, "beijing", "haidian")
	if len(st.Points) != 1 || st.Bedrooms[3] != 0 || len(st.Communities) != 0 {
		t.Fatalf("an unpublished listing leaves the charts: %+v", st)
	}
	blocks, titles, err := s.Suggest(ctx, "t", 5)
	if err != nil || len(blocks) != 0 || len(titles) != 1 || titles[0].Count != 1 {
		t.Fatalf("suggestions count published listings once: %v %v %v", blocks, titles, err)
	}
}

func TestActivity_countersAndFavoritesTakeTheHighestVersion(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	listingID, user := uuid.New(), uuid.New()
	if c, err := s.ListingViews(ctx, listingID); err != nil || c.N != 0 {
		t.Fatalf("a listing never viewed has 0 views (not a miss): %v %v", c, err)
	}
	views := func(v, n int64) events.ListingViewsState {
		return events.ListingViewsState{ID: events.ListingViewsID(listingID), Version: v, ListingID: listingID, Views: n}
	}
	for _, st := range []events.ListingViewsState{views(2, 7), views(1, 3), views(2, 7), views(3, 9), views(1, 3)} {
		if _, err := s.PutListingViews(ctx, readmodel.Current, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	if c, _ := s.ListingViews(ctx, listingID); c.N != 9 || c.Version != 3 {
		t.Fatalf("a repeated or late batch never counts twice: %+v", c)
	}
	if top, _ := s.TopListings(ctx, query.TopViewed, 5); len(top) != 1 || top[0] != listingID {
		t.Fatalf("the ranking by views: %v", top)
	}
	fav := events.FavoriteState{ID: events.FavoriteID(user, listingID), UserID: user, ListingID: listingID, At: time.Now()}
	added, removed := fav, fav
	added.Version, added.Active = 1, true
	removed.Version = 2
	for _, st := range []events.FavoriteState{removed, added} {
		if _, err := s.PutFavorite(ctx, readmodel.Current, st, nil); err != nil {
			t.Fatal(err)
		}
	}
	if ok, _ := s.Favorited(ctx, user, listingID); ok {
		t.Fatal("a late 'added' must not undo a newer 'removed'")
	}
}

func TestCompare_checksHashEntriesAndSkipsCountedOnes(t *testing.T) {
	s := newStore(t)
	st := listing(uuid.New(), 1, 3000, "haidian", events.StatusPublished)
	st.Community = "翠湖"
	mustPut(t, s, st)
	gen, _, _ := s.Generations(context.Background(), readmodel.Listings)
	exp, _ := readmodel.NewInspector(s).ExpectListing(st)
	if diffs, err := readmodel.NewInspector(s).Compare(context.Background(), readmodel.Listings, gen, []readmodel.Expected{exp}); err != nil || len(diffs) != 0 {
		t.Fatalf("a listing just written compares clean: %v %v", diffs, err)
	}
	changed := st
	changed.Title = "another"
	exp, _ = readmodel.NewInspector(s).ExpectListing(changed)
	if diffs, _ := readmodel.NewInspector(s).Compare(context.Background(), readmodel.Listings, gen, []readmodel.Expected{exp}); len(diffs) == 0 {
		t.Fatal("a different keyword text is a difference")
	}
}

func TestPut_entriesWrittenBeforeScoresWereKeptAreUndone(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	gen, _, _ := s.Generations(ctx, readmodel.Listings)
	base := s.Prefix() + "rm:listings:" + gen + ":"
	id := uuid.New()
	// A document as the first version of put.lua left it: "suffix TAB member" lines.
	member := id.String() + "|2|w|3000|0|0"
	rdb.ZAdd(ctx, base+"ix:listing:all:price", goredis.Z{Score: 3000, Member: member})
	rdb.HSet(ctx, base+"listing:"+id.String(), "v", 1, "d", "{}", "ix", "ix:listing:all:price\t"+member)
	mustPut(t, s, listing(id, 2, 4000, "haidian", events.StatusPublished))
	if err := rdb.ZScore(ctx, base+"ix:listing:all:price", member).Err(); err != goredis.Nil {
		t.Fatalf("the old entry is undone: %v", err)
	}
	if got := search(t, s, query.ListingFilter{PriceMin: 3500}); len(got) != 1 {
		t.Fatalf("the new one is there: %v", got)
	}
}

func TestPut_aBookingMovesOnlyTheBookingsRanking(t *testing.T) {
	s := newStore(t)
	a, b := uuid.New(), uuid.New()
	la, lb := listing(a, 1, 3000, "haidian", events.StatusPublished), listing(b, 1, 3000, "haidian", events.StatusPublished)
	mustPut(t, s, la)
	mustPut(t, s, lb)
	for v, bookings := range []int64{2, 1, 5} {
		la.Version, la.Bookings = int64(v+2), bookings
		mustPut(t, s, la)
		got := search(t, s, query.ListingFilter{Sort: query.SortBookings})
		if len(got) != 2 || got[0] != a {
			t.Fatalf("after %d bookings the listing leads once: %v", bookings, got)
		}
		if total := len(search(t, s, query.ListingFilter{Sort: query.SortPriceAsc})); total != 2 {
			t.Fatalf("the other indexes keep both: %d", total)
		}
	}
}
