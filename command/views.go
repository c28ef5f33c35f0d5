package command

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// ViewCounter counts the views of one listing. It is an aggregate of its own
// (id events.ListingViewsID) so that counting views never touches the
// listing: a view is far more frequent than any change of the listing.
// Its rule: a view counts once per viewer and day (China time), so one
// tenant reading a listing twenty times adds one view, not twenty.
type ViewCounter struct {
	ID        uuid.UUID
	ListingID uuid.UUID
	Version   int64
	Views     int64
	Event     events.Type // set by a change, for the store
	// Counted holds the viewers already counted, of those the store was
	// asked about (the users of a batch, on its days); New the ones this
	// change counted, for the store to remember.
	Counted map[Viewer]bool
	New     []Viewer
}

// Viewer is one user's views of a listing on one day (China time, as a
// UTC midnight): the unit a view counter counts.
type Viewer struct {
	UserID uuid.UUID
	Day    time.Time
}

// NewViewCounter is the counter of a listing never viewed.
func NewViewCounter(listing uuid.UUID) *ViewCounter {
	return &ViewCounter{ID: events.ListingViewsID(listing), ListingID: listing}
}

// View counts a user's view of the listing at a time, unless the user's
// views of it that day are counted already.
func (c *ViewCounter) View(user uuid.UUID, at time.Time) {
	v := Viewer{UserID: user, Day: events.Today(at)}
	if c.Counted[v] {
		return
	}
	if c.Counted == nil {
		c.Counted = map[Viewer]bool{}
	}
	c.Counted[v] = true
	c.New = append(c.New, v)
	c.Views++
	c.Event = events.ListingViewed
}

// Import adds the page views the old site counted for the listing
// (rentalctl import brings them over once per listing).
func (c *ViewCounter) Import(n int64) {
	if n > 0 {
		c.Views += n
		c.Event = events.ListingViewsImported
	}
}

// State is the counter as events carry it.
func (c *ViewCounter) State() events.ListingViewsState {
	return events.ListingViewsState{ID: c.ID, Version: c.Version, ListingID: c.ListingID, Views: c.Views}
}

// History is a user's last viewed listings. Its rules: most recent first,
// each listing once (viewing it again moves it to the front), at most
// events.HistorySize; the user may clear it.
type History struct {
	ID      uuid.UUID
	UserID  uuid.UUID
	Version int64
	Items   []events.HistoryItem
	Event   events.Type // set by a change, for the store
}

// NewHistory is the history of a user who never viewed anything.
func NewHistory(user uuid.UUID) *History {
	return &History{ID: events.HistoryID(user), UserID: user, Items: []events.HistoryItem{}}
}

// Viewed records that the user viewed a listing at a time. Views may come
// out of order (batches from several api replicas): a view older than the
// one already recorded for the listing does not move it.
func (h *History) Viewed(listing uuid.UUID, at time.Time) {
	at = at.UTC().Truncate(time.Microsecond)
	if i := slices.IndexFunc(h.Items, func(it events.HistoryItem) bool { return it.ListingID == listing }); i >= 0 {
		if !at.After(h.Items[i].ViewedAt) {
			return
		}
		h.Items = slices.Delete(h.Items, i, i+1)
	}
	pos, _ := slices.BinarySearchFunc(h.Items, at, func(it events.HistoryItem, t time.Time) int {
		return t.Compare(it.ViewedAt) // items are newest first
	})
	if pos >= events.HistorySize {
		return
	}
	h.Items = slices.Insert(h.Items, pos, events.HistoryItem{ListingID: listing, ViewedAt: at})
	if len(h.Items) > events.HistorySize {
		h.Items = h.Items[:events.HistorySize]
	}
	h.Event = events.HistoryViewed
}

// Import adds listings viewed on the old site, most recent first. Those views
// happened before any view recorded here, so they go after the history's
// items, in their order: each gets a time just before the oldest item (or
// now, for an empty history), a microsecond apart. A listing already in the
// history stays where it is (viewed here since), a repeated one counts once,
// and what falls past events.HistorySize is dropped, as Viewed does.
func (h *History) Import(listings []uuid.UUID, now time.Time) {
	anchor := now.UTC().Truncate(time.Microsecond)
	if n := len(h.Items); n > 0 && h.Items[n-1].ViewedAt.Before(anchor) {
		anchor = h.Items[n-1].ViewedAt
	}
	before := h.Event
	h.Event = ""
	for i, l := range listings {
		h.Viewed(l, anchor.Add(-time.Duration(i+1)*time.Microsecond))
	}
	if h.Event == "" {
		h.Event = before
		return
	}
	h.Event = events.HistoryImported
}

// Clear empties the history; an empty one stays as it is.
func (h *History) Clear() {
	if len(h.Items) == 0 {
		return
	}
	h.Items = []events.HistoryItem{}
	h.Event = events.HistoryCleared
}

// State is the history as events carry it.
func (h *History) State() events.HistoryState {
	return events.HistoryState{ID: h.ID, Version: h.Version, UserID: h.UserID, Items: slices.Clone(h.Items)}
}
