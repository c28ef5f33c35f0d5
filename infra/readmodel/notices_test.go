package readmodel_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
	"github.com/zufang/rental/query"
)

func TestChangeNotice_formatAndParseRoundTrip(t *testing.T) {
	id, listing := uuid.New(), uuid.New()
	facts := &query.ListingFacts{City: "beijing", District: "chaoyang", Price: 5000, Bedrooms: 3, RentType: "whole",
		Facilities: []string{"wifi", "ac"}, Text: "南北|精装\rchaoyang"}
	stay := &query.Stay{Start: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)}
	for _, n := range []readmodel.ChangeNotice{
		{Kind: readmodel.NoticeListing, ID: id, Version: 4, Change: query.Change{Listing: &query.ListingChange{ID: id, After: facts}}},
		{Kind: readmodel.NoticeListing, ID: id, Version: 5, Change: query.Change{Listing: &query.ListingChange{ID: id, Before: facts}}},
		{Kind: readmodel.NoticeListing, ID: id, Version: 6, Change: query.Change{Listing: &query.ListingChange{ID: id, Unknown: true}}},
		{Kind: readmodel.NoticeOrder, ID: id, Version: 1, Change: query.Change{Stay: &query.StayChange{Listing: listing, After: stay}}},
		{Kind: readmodel.NoticeOrder, ID: id, Version: 2, Change: query.Change{Stay: &query.StayChange{Listing: listing, Before: stay}}},
		{Kind: readmodel.NoticeOrder, ID: id, Version: 3, Change: query.Change{Stay: &query.StayChange{}}}, // held no dates, holds none
		{Kind: readmodel.NoticeViews, ID: id, Version: 1 << 40},
		{Kind: readmodel.NoticeUser, ID: id, Version: 7},
		{Kind: readmodel.NoticeGeneration, Projection: readmodel.Listings, Generation: "12"},
	} {
		got, ok := readmodel.ParseChangeNotice(n.String())
		if !ok || !reflect.DeepEqual(got, n) {
			t.Errorf("%q reads back as %+v (ok %v), want %+v", n.String(), got, ok, n)
		}
	}
	// put.lua adds "?" for a replaced document that kept no summary (written
	// before notices said so): the change is unknown, whatever it is now.
	for _, kind := range []string{readmodel.NoticeListing, readmodel.NoticeOrder} {
		n, ok := readmodel.ParseChangeNotice(kind + " " + id.String() + " 3\t-\t?")
		if !ok || (n.Change.Listing == nil || !n.Change.Listing.Unknown) && (n.Change.Stay == nil || !n.Change.Stay.Unknown) {
			t.Errorf("a %s notice replacing a document without a summary reads as %+v (ok %v), want it unknown", kind, n, ok)
		}
	}
	for _, s := range []string{"", "listing", "listing not-a-uuid 2", "token abcd"} {
		if n, ok := readmodel.ParseChangeNotice(s); ok {
			t.Errorf("%q reads as %+v", s, n)
		}
	}
}

// What the writes publish on the changes channel (put.lua, with the summary
// of the document it replaced; the generation switch; the check's removal of
// an orphan) reads back as the change that was made; a document nobody
// caches (a favorite) announces nothing.
func TestChangeNotices_whatTheWritesPublishParses(t *testing.T) {
	ctx := context.Background()
	rdb := testenv.Redis(t, testenv.RedisAddr())
	s := readmodel.New(rdb, rdb, testenv.Prefix(t, testenv.RedisAddr()), cat, testenv.Logger())
	sub := rdb.Subscribe(ctx, s.ChangesChannel())
	defer sub.Close()
	if _, err := sub.Receive(ctx); err != nil {
		t.Fatal(err)
	}
	var want []readmodel.ChangeNotice
	gens := map[string]string{}
	for _, p := range readmodel.Projections {
		gen, err := s.StartRebuild(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Switch(ctx, p, gen); err != nil {
			t.Fatal(err)
		}
		gens[p] = gen
		want = append(want, readmodel.ChangeNotice{Kind: readmodel.NoticeGeneration, Projection: p, Generation: gen})
	}
	put := func(applied bool, err error) {
		t.Helper()
		if err != nil || !applied {
			t.Fatalf("write not applied (%v)", err)
		}
	}
	l, u, o := uuid.New(), uuid.New(), uuid.New()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	v1, v2 := listing(l, 1, 5000, "haidian", events.StatusPublished), listing(l, 2, 6000, "chaoyang", events.StatusPublished)
	factsOf := func(st events.ListingState) *query.ListingFacts {
		return &query.ListingFacts{City: st.City, District: st.District, Price: st.Price, Bedrooms: st.Bedrooms, RentType: st.RentType,
			Text: strings.ReplaceAll(st.SearchText(), "\n", "\r")} // one line, as gramText has it
	}
	put(s.PutListing(ctx, readmodel.Current, v1, nil))
	put(s.PutListing(ctx, readmodel.Current, v2, nil))
	put(s.PutUser(ctx, readmodel.Current, events.UserState{ID: u, Version: 2, Nickname: "n", Roles: []string{"tenant"}, CreatedAt: at, UpdatedAt: at}, nil))
	put(s.PutOrder(ctx, readmodel.Current, orderState(o, l, u, 1, events.OrderStatusWaitAccept, "2027-01-10", "2027-03-10"), nil))
	put(s.PutOrder(ctx, readmodel.Current, orderState(o, l, u, 2, events.OrderStatusCanceled, "2027-01-10", "2027-03-10"), nil))
	put(s.PutListingViews(ctx, readmodel.Current, events.ListingViewsState{ID: uuid.New(), Version: 5, ListingID: l, Views: 9}, nil))
	put(s.PutFavorite(ctx, readmodel.Current, events.FavoriteState{ID: events.FavoriteID(u, l), Version: 1, UserID: u, ListingID: l, Active: true, At: at}, nil))
	removed, err := readmodel.NewInspector(s).RemoveOrphan(ctx, readmodel.Listings, gens[readmodel.Listings], "listing:"+l.String(), 2)
	if err != nil || !removed {
		t.Fatalf("removing the listing: %v %v", removed, err)
	}
	stay := &query.Stay{Start: date("2027-01-10"), End: date("2027-03-10")}
	want = append(want,
		readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: l, Version: 1,
			Change: query.Change{Listing: &query.ListingChange{ID: l, After: factsOf(v1)}}},
		readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: l, Version: 2,
			Change: query.Change{Listing: &query.ListingChange{ID: l, Before: factsOf(v1), After: factsOf(v2)}}},
		readmodel.ChangeNotice{Kind: readmodel.NoticeUser, ID: u, Version: 2},
		readmodel.ChangeNotice{Kind: readmodel.NoticeOrder, ID: o, Version: 1,
			Change: query.Change{Stay: &query.StayChange{Listing: l, After: stay}}},
		readmodel.ChangeNotice{Kind: readmodel.NoticeOrder, ID: o, Version: 2,
			Change: query.Change{Stay: &query.StayChange{Listing: l, Before: stay}}},
		readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: l, Version: 5},
		// The removal says nothing of what the listing was: every answer is affected.
		readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: l, Version: 2,
			Change: query.Change{Listing: &query.ListingChange{ID: l, Unknown: true}}},
	)
	for i, w := range want {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		m, err := sub.ReceiveMessage(ctx)
		cancel()
		if err != nil {
			t.Fatalf("notice %d (%+v): %v", i, w, err)
		}
		n, ok := readmodel.ParseChangeNotice(m.Payload)
		if !ok || !reflect.DeepEqual(n, w) {
			t.Errorf("notice %d is %q, reading %+v (ok %v); want %+v", i, m.Payload, n, ok, w)
		}
		if m.Payload != w.String() {
			t.Errorf("notice %d is %q, want it as String formats it, %q", i, m.Payload, w.String())
		}
	}
}
