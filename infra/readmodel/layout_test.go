package readmodel

import (
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// Every plain and hash-field entry a projector writes must be in a key its
// layout lists as an index, with the kind it has, and the layout must name
// the document that wrote it: otherwise `rentalctl check` would not count
// that key, or would remove its members as claimed by nobody. Counted
// entries are checked as sums and must not be taken for plain ones.
var kindName = map[byte]string{plainEntry: "plain", countedEntry: "counted", hashEntry: "hash-field"}

func TestLayouts_coverEveryEntry(t *testing.T) {
	cat := rental.NewCatalog([]rental.City{{Code: "beijing", Districts: []rental.District{{Code: "haidian"}}}},
		[]rental.Facility{{Code: "wifi"}})
	s := New(nil, nil, "t:", cat, slog.New(slog.DiscardHandler))
	at := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	id, user, listing := uuid.New(), uuid.New(), uuid.New()
	var writes []write
	add := func(w write, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		writes = append(writes, w)
	}
	add(s.listingWrite(&events.ListingState{ID: id, Version: 3, LandlordID: user, Status: events.StatusPublished, Title: "t",
		City: "beijing", District: "haidian", Block: "b", Community: "c", Price: 3000, AreaSqm: 40, RentType: "whole",
		Bedrooms: 2, Facilities: []string{"wifi"}, CreatedAt: at, UpdatedAt: at, PublishedAt: &at}))
	add(s.userWrite(&events.UserState{ID: user, Version: 1}))
	for _, status := range []string{events.OrderStatusWaitAccept, events.OrderStatusComplete} {
		st := events.OrderState{ID: id, Version: 5, ListingID: listing, TenantID: user, LandlordID: uuid.New(), Status: status,
			StartDate: "2026-12-01", EndDate: "2027-02-01", CreatedAt: at, UpdatedAt: at}
		if status == events.OrderStatusComplete {
			st.Review = &events.ReviewState{OrderID: id, ListingID: listing, Rating: 4, CreatedAt: at}
		}
		add(s.orderWrite(&st))
	}
	add(s.favoriteWrite(&events.FavoriteState{ID: events.FavoriteID(user, listing), Version: 1, UserID: user, ListingID: listing,
		Active: true, At: at}))
	add(s.listingViewsWrite(&events.ListingViewsState{ID: events.ListingViewsID(listing), Version: 2, ListingID: listing, Views: 7}))
	add(s.historyWrite(&events.HistoryState{ID: events.HistoryID(user), Version: 1, UserID: user,
		Items: []events.HistoryItem{{ListingID: listing, ViewedAt: at}}}))

	seen := map[byte]int{}
	for _, w := range writes {
		lay := layoutOf(w.projection)
		for _, en := range w.entries {
			kind := kindOf(en.suffix)
			seen[kind]++
			if kind == bitEntry || kind == slicedEntry || kind == textEntry || kind == stayEntry {
				// A bit of a counted bitmap belongs to one document; texts and
				// availability bitmaps are only compared, never counted.
				for _, key := range bitKeys(en) {
					if got, ok := lay.index(key); !ok || got != bitEntry || lay.owner(key, en.member) != w.suffix {
						t.Errorf("%s: bitmap %s is not counted as %s's (got %q, %v, %s)", w.projection, key, w.suffix, got, ok, lay.owner(key, en.member))
					}
				}
				if _, ok := lay.index(en.suffix[1:]); (kind == textEntry || kind == stayEntry) && ok {
					t.Errorf("%s: shared bitmaps %s taken for an index of single documents", w.projection, en.suffix)
				}
				continue
			}
			key := en.suffix
			if kind != plainEntry {
				key = key[1:]
			}
			got, ok := lay.index(key)
			switch {
			case kind == countedEntry && ok:
				t.Errorf("%s: counted key %s taken for an index of single documents", w.projection, key)
			case kind != countedEntry && (!ok || got != kind):
				t.Errorf("%s: key %s (%s entries) is not in the layout (got %s, %v)", w.projection, key, kindName[kind], kindName[got], ok)
			case kind != countedEntry && lay.owner(key, en.member) != w.suffix:
				t.Errorf("%s: member %q of %s belongs to %s, the layout says %q", w.projection, en.member, key, w.suffix, lay.owner(key, en.member))
			}
		}
	}
	if seen[plainEntry] == 0 || seen[hashEntry] == 0 || seen[countedEntry] == 0 || seen[bitEntry] == 0 || seen[slicedEntry] == 0 ||
		seen[textEntry] == 0 || seen[stayEntry] == 0 {
		t.Fatalf("the sample states must write every kind of entry: %v", seen)
	}
}
