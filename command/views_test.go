package command

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

func TestHistory_keepsTheLastDistinctListingsNewestFirst(t *testing.T) {
	h := NewHistory(uuid.New())
	ids := make([]uuid.UUID, 25)
	for i := range ids {
		ids[i] = uuid.New()
		h.Viewed(ids[i], now.Add(time.Duration(i)*time.Second))
	}
	if len(h.Items) != events.HistorySize || h.Items[0].ListingID != ids[24] || h.Items[19].ListingID != ids[5] {
		t.Fatalf("the last 20, newest first: %v", h.Items)
	}
	h.Viewed(ids[10], now.Add(time.Minute)) // seen again: moves to the front, not twice
	if h.Items[0].ListingID != ids[10] || len(h.Items) != events.HistorySize {
		t.Fatalf("a listing seen again moves to the front once: %v", h.Items)
	}
	seen := map[uuid.UUID]bool{}
	for _, it := range h.Items {
		if seen[it.ListingID] {
			t.Fatalf("listing %s twice", it.ListingID)
		}
		seen[it.ListingID] = true
	}
	h.Event = ""
	h.Viewed(ids[10], now) // an older view of a listing already there (a late batch)
	h.Viewed(ids[0], now)  // older than everything kept
	if h.Event != "" || h.Items[0].ListingID != ids[10] {
		t.Fatalf("older views change nothing: %s %v", h.Event, h.Items[:2])
	}
	h.Clear()
	if len(h.Items) != 0 || h.Event != events.HistoryCleared {
		t.Fatalf("cleared: %v", h.Items)
	}
	h.Event = ""
	h.Clear()
	if h.Event != "" {
		t.Fatal("clearing an empty history changes nothing")
	}
}

func TestHistory_importGoesAfterWhatWasSeenHereAndRepeatsAsNoChange(t *testing.T) {
	h := NewHistory(uuid.New())
	here, a, b, c := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	h.Viewed(here, now.Add(-time.Hour))
	h.Event = ""
	h.Import([]uuid.UUID{a, here, b, a, c}, now) // most recent first; here was seen since; a twice
	if h.Event != events.HistoryImported || len(h.Items) != 4 {
		t.Fatalf("three old listings join the one seen here: %s %v", h.Event, h.Items)
	}
	for i, want := range []uuid.UUID{here, a, b, c} {
		if h.Items[i].ListingID != want {
			t.Fatalf("item %d is %s, want %s: %v", i, h.Items[i].ListingID, want, h.Items)
		}
	}
	if !h.Items[1].ViewedAt.Before(h.Items[0].ViewedAt) {
		t.Fatalf("old views are older than the views seen here: %v", h.Items)
	}
	h.Event = ""
	h.Import([]uuid.UUID{a, here, b, a, c}, now.Add(time.Hour)) // a second run, later
	if h.Event != "" || len(h.Items) != 4 {
		t.Fatalf("importing again changes nothing: %s %v", h.Event, h.Items)
	}
	full := NewHistory(uuid.New())
	for i := range events.HistorySize {
		full.Viewed(uuid.New(), now.Add(time.Duration(i)*time.Second))
	}
	full.Event = ""
	full.Import([]uuid.UUID{uuid.New()}, now.Add(time.Hour))
	if full.Event != "" || len(full.Items) != events.HistorySize {
		t.Fatalf("a full history keeps what was seen here: %s %d", full.Event, len(full.Items))
	}
}

func TestViewCounter_countsEachViewerOnceADay(t *testing.T) {
	c := NewViewCounter(uuid.New())
	tenant, other := uuid.New(), uuid.New()
	// 23:00 and 23:59 in China are one day; 00:30 the next day is another.
	evening := time.Date(2030, 5, 1, 15, 0, 0, 0, time.UTC)
	for range 20 {
		c.View(tenant, evening)
	}
	c.View(tenant, evening.Add(59*time.Minute))
	if c.Views != 1 || len(c.New) != 1 || c.Event != events.ListingViewed {
		t.Fatalf("twenty reads by one tenant in a day are one view: %d %v %q", c.Views, c.New, c.Event)
	}
	c.View(other, evening)
	c.View(tenant, evening.Add(90*time.Minute))
	if c.Views != 3 || len(c.New) != 3 || !c.New[2].Day.Equal(time.Date(2030, 5, 2, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("another viewer, and the same one the next day, count: %d %v", c.Views, c.New)
	}
	// A viewer the store says was counted (an earlier batch) is not counted again.
	again := NewViewCounter(c.ListingID)
	again.Counted = map[Viewer]bool{{UserID: tenant, Day: events.Today(evening)}: true}
	again.View(tenant, evening)
	if again.Views != 0 || again.Event != "" || len(again.New) != 0 {
		t.Fatalf("a viewer counted by an earlier batch: %d %q", again.Views, again.Event)
	}
}

func TestViewCounter_importAddsTheOldPageViews(t *testing.T) {
	c := NewViewCounter(uuid.New())
	for range 3 {
		c.View(uuid.New(), time.Now())
	}
	c.Event = ""
	c.Import(0)
	if c.Event != "" || c.Views != 3 {
		t.Fatalf("no old views, no change: %s %d", c.Event, c.Views)
	}
	c.Import(1203)
	if c.Event != events.ListingViewsImported || c.Views != 1206 {
		t.Fatalf("the old page views join the views counted here: %s %d", c.Event, c.Views)
	}
}

func TestFavorite_addAndRemoveAreIdempotent(t *testing.T) {
	user := uuid.New()
	l := published(uuid.New(), 1)
	f := NewFavorite(user, l.ID)
	for i, step := range []struct {
		add  bool
		want events.Type
	}{{true, events.FavoriteAdded}, {true, ""}, {false, events.FavoriteRemoved}, {false, ""}, {true, events.FavoriteAdded}} {
		var ev events.Type
		var err error
		if step.add {
			ev, err = f.Add(l, now)
		} else {
			ev, err = f.Remove()
		}
		if err != nil || ev != step.want {
			t.Fatalf("step %d: %q %v, want %q", i, ev, err, step.want)
		}
	}
	draft := published(uuid.New(), 1)
	draft.Status = events.StatusUnpublished
	if _, err := NewFavorite(user, draft.ID).Add(draft, now); rental.ErrorCode(err) != rental.ENOTFOUND {
		t.Fatalf("a listing the user cannot see cannot be favorited: %v", err)
	}
	own := published(user, 1)
	own.Status = events.StatusDraft
	if _, err := NewFavorite(user, own.ID).Add(own, now); err != nil {
		t.Fatalf("a landlord may favorite their own draft: %v", err)
	}
	if _, err := NewFavorite(user, uuid.New()).Add(nil, now); rental.ErrorCode(err) != rental.ENOTFOUND {
		t.Fatalf("an unknown listing is not found: %v", err)
	}
}

func TestUniqueSorted_locksInOneOrder(t *testing.T) {
	a, b := uuid.MustParse("00000000-0000-0000-0000-000000000002"), uuid.MustParse("00000000-0000-0000-0000-000000000001")
	got := uniqueSorted([]uuid.UUID{a, b, a})
	if fmt.Sprint(got) != fmt.Sprint([]uuid.UUID{b, a}) {
		t.Fatalf("ids once each in byte order: %v", got)
	}
}

func TestImports_areForOperatorsOnly(t *testing.T) {
	tenant := Meta{Actor: rental.Actor{UserID: uuid.New(), Roles: []rental.Role{rental.RoleTenant}}}
	if _, err := (ImportHistoryHandler{}).Handle(t.Context(), ImportHistory{Meta: tenant, UserID: tenant.Actor.UserID}); rental.ErrorCode(err) != rental.EFORBIDDEN {
		t.Fatalf("a tenant cannot import a history: %v", err)
	}
	if _, err := (ImportViewsHandler{}).Handle(t.Context(), ImportViews{Meta: tenant, ListingID: uuid.New(), Views: 5}); rental.ErrorCode(err) != rental.EFORBIDDEN {
		t.Fatalf("a tenant cannot add views: %v", err)
	}
	admin := Meta{Actor: rental.System}
	if _, err := (ImportViewsHandler{}).Handle(t.Context(), ImportViews{Meta: admin, ListingID: uuid.New()}); rental.ErrorFields(err)["views"] == "" {
		t.Fatalf("no views to add is invalid, naming views: %v", err)
	}
	if _, err := (ImportHistoryHandler{}).Handle(t.Context(), ImportHistory{Meta: admin}); rental.ErrorFields(err)["user_id"] == "" {
		t.Fatalf("a history needs its user: %v", err)
	}
}
