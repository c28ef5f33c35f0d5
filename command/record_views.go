package command

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// View is one read of a listing's detail by a logged-in user.
type View struct {
	ListingID uuid.UUID
	UserID    uuid.UUID
	At        time.Time
}

// RecordViews records a batch of views: each listing's view counter (a
// viewer counts once a day: ViewCounter.View) and each user's history. The api buffers views and sends them here in batches, off
// the request path; it is run by the platform, never by a user.
type RecordViews struct {
	Meta
	Views []View
}

// MaxViewBatch bounds a batch (one transaction locks a row per listing and user).
const MaxViewBatch = 1000

type RecordViewsHandler struct{ Store ViewStore }

func (h RecordViewsHandler) Handle(ctx context.Context, cmd RecordViews) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
		return Result{}, err
	}
	if len(cmd.Views) == 0 {
		return Result{}, nil
	}
	if len(cmd.Views) > MaxViewBatch {
		return Result{}, rental.InvalidField("views", "at most 1000 per batch")
	}
	var listings, users []uuid.UUID
	since := events.Today(cmd.Views[0].At)
	for _, v := range cmd.Views {
		listings = append(listings, v.ListingID)
		users = append(users, v.UserID)
		if day := events.Today(v.At); day.Before(since) {
			since = day
		}
	}
	return h.Store.Record(ctx, cmd.Meta, uniqueSorted(listings), uniqueSorted(users), since,
		func(counters map[uuid.UUID]*ViewCounter, histories map[uuid.UUID]*History) error {
			for _, v := range cmd.Views {
				counters[v.ListingID].View(v.UserID, v.At)
				histories[v.UserID].Viewed(v.ListingID, v.At)
			}
			return nil
		})
}

// uniqueSorted returns ids once each in byte order: rows are locked in this
// order, so two batches never wait for each other in a cycle.
func uniqueSorted(ids []uuid.UUID) []uuid.UUID {
	out := slices.Clone(ids)
	slices.SortFunc(out, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	return slices.Compact(out)
}

// ClearHistory empties the acting user's history of viewed listings.
type ClearHistory struct{ Meta }

type ClearHistoryHandler struct{ Store ViewStore }

func (h ClearHistoryHandler) Handle(ctx context.Context, cmd ClearHistory) (Result, error) {
	if cmd.Actor.UserID == uuid.Nil {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	return h.Store.UpdateHistory(ctx, cmd.Meta, cmd.Actor.UserID, func(hist *History) error {
		hist.Clear()
		return nil
	})
}
