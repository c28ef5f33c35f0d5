package readmodel_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
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

// put.lua recomputes a listing's availability from the stays near the one
// that came or went, not from all of them: a listing with years of stays,
// long and short, back to back or apart, some canceled, written in any
// order, with canceled orders over them, still answers every dated search
// as a scan of its held stays.
func TestOrders_datedSearchAnswersLikeAScanWhateverAListingsHistory(t *testing.T) {
	s := newStore(t)
	r := rand.New(rand.NewPCG(3, 5))
	var ids []uuid.UUID
	held := map[uuid.UUID][][2]time.Time{}
	var writes []events.OrderState
	first := date("2018-01-01")
	for i := range 6 {
		id := uuid.New()
		ids = append(ids, id)
		mustPut(t, s, listing(id, 1, int64(1000+i), "haidian", events.StatusPublished))
		for day := first.AddDate(0, 0, r.IntN(30)); day.Before(date("2036-01-01")); {
			end := day.AddDate(0, 0, []int{28, 31, 90, 400, 1096}[r.IntN(5)]+r.IntN(5))
			o := orderState(uuid.New(), id, uuid.New(), 1, events.OrderStatusWaitAccept, day.Format(events.DateLayout), end.Format(events.DateLayout))
			writes = append(writes, o)
			o.Version, o.Status = 2, []string{events.OrderStatusWaitComment, events.OrderStatusPaid}[r.IntN(2)]
			writes = append(writes, o)
			held[id] = append(held[id], [2]time.Time{day, end})
			day = end.AddDate(0, 0, []int{0, 1, 30, 120, 300}[r.IntN(5)])
		}
		// Canceled orders anywhere, over the held stays: until its cancel
		// arrives one holds dates beside them, and when it goes the bits of
		// its span must come from the stays that remain.
		for range 40 {
			day := first.AddDate(0, 0, r.IntN(18*365))
			end := day.AddDate(0, 0, []int{28, 200, 1096}[r.IntN(3)])
			o := orderState(uuid.New(), id, uuid.New(), 1, events.OrderStatusWaitAccept, day.Format(events.DateLayout), end.Format(events.DateLayout))
			writes = append(writes, o)
			o.Version, o.Status = 2, events.OrderStatusCanceled
			writes = append(writes, o)
		}
	}
	r.Shuffle(len(writes), func(i, j int) { writes[i], writes[j] = writes[j], writes[i] })
	for _, o := range writes {
		putOrder(t, s, o)
	}
	partly := 0
	for range 400 {
		from := first.AddDate(0, 0, r.IntN(18*365))
		to := from.AddDate(0, 0, 1+r.IntN([]int{3, 40, 600, events.MaxStayDays}[r.IntN(4)]))
		var want []uuid.UUID
		for _, id := range ids {
			if !slices.ContainsFunc(held[id], func(st [2]time.Time) bool { return st[0].Before(to) && st[1].After(from) }) {
				want = append(want, id)
			}
		}
		got := search(t, s, query.ListingFilter{From: from, To: to})
		slices.SortFunc(got, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		slices.SortFunc(want, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		if !slices.Equal(got, want) {
			t.Fatalf("[%s, %s): got %v, want %v", from.Format(events.DateLayout), to.Format(events.DateLayout), got, want)
		}
		if len(want) > 0 && len(want) < len(ids) {
			partly++
		}
	}
	if partly < 100 {
		t.Fatalf("too easy: only %d of 400 windows left some listings out and not others", partly)
	}
}

// A stay that goes recomputes the start bits of its blocks from every stay
// starting in them, those after it too: here a window that holds block 41 of
// 512 days whole is answered by that block's bit alone.
func TestOrders_aCanceledStayKeepsTheStartsAfterItInItsBlocks(t *testing.T) {
	s := newStore(t)
	id := uuid.New()
	mustPut(t, s, listing(id, 1, 1000, "haidian", events.StatusPublished))
	block := time.Unix(41*512*86400, 0).UTC() // day 20992, 2027-06-23
	day := func(n int) string { return block.AddDate(0, 0, n).Format(events.DateLayout) }
	held := orderState(uuid.New(), id, uuid.New(), 1, events.OrderStatusWaitAccept, day(100), day(130))
	canceled := orderState(uuid.New(), id, uuid.New(), 1, events.OrderStatusWaitAccept, day(10), day(40))
	putOrder(t, s, held)
	held.Version, held.Status = 2, events.OrderStatusPaid
	putOrder(t, s, held)
	putOrder(t, s, canceled)
	canceled.Version, canceled.Status = 2, events.OrderStatusCanceled
	putOrder(t, s, canceled)
	if got := search(t, s, query.ListingFilter{From: date(day(-1)), To: date(day(513))}); len(got) != 0 {
		t.Fatalf("[%s, %s) holds the paid stay [%s, %s), yet the listing was found free", day(-1), day(513), day(100), day(130))
	}
	if got := search(t, s, query.ListingFilter{From: date(day(10)), To: date(day(40))}); len(got) != 1 {
		t.Fatalf("the canceled stay's dates [%s, %s) are free again, yet the listing was not found", day(10), day(40))
	}
}
