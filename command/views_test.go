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
