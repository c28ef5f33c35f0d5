package query

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// MyHistory returns the last listings the acting user viewed (at most
// events.HistorySize), most recent first, each with when it was viewed;
// listings that have since become invisible are left out. MinVersion > 0
// asks for at least that version of the history, as after clearing it.
type MyHistory struct {
	Actor      rental.Actor
	MinVersion int64
}

type MyHistoryHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
}

func (h MyHistoryHandler) Handle(ctx context.Context, q MyHistory) (Body, error) {
	if q.Actor.Anonymous() {
		return Body{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	hist, source, err := h.history(ctx, q.Actor.UserID, q.MinVersion)
	if err != nil {
		return Body{}, err
	}
	ids := make([]uuid.UUID, len(hist.Items))
	for i, it := range hist.Items {
		ids[i] = it.ListingID
	}
	docs, err := listingDocs(ctx, h.RM, h.Fallback, h.Repair, ids, func(d Doc) bool { return visible(d.Status, d.Owner, q.Actor) })
	if err != nil {
		return Body{}, err
	}
	type item struct {
		ViewedAt time.Time       `json:"viewed_at"`
		Listing  json.RawMessage `json:"listing"`
	}
	items := make([][]byte, 0, len(ids))
	for i, it := range hist.Items {
		d := docs[i]
		if !d.Found() {
			continue
		}
		b, err := json.Marshal(item{ViewedAt: it.ViewedAt, Listing: d.JSON})
		if err != nil {
			return Body{}, fmt.Errorf("encoding history item %d: %w", i, err)
		}
		items = append(items, b)
	}
	return Body{JSON: pageJSON(items, len(items), 1, events.HistorySize), Version: hist.Version, Source: source}, nil
}

// history reads the history document from the read model, or from MySQL
// when it is missing or older than minVersion (then from the writer).
func (h MyHistoryHandler) history(ctx context.Context, user uuid.UUID, minVersion int64) (events.HistoryState, string, error) {
	if doc, err := h.RM.History(ctx, user); err == nil && doc.Version >= minVersion {
		var st events.HistoryState
		if err := json.Unmarshal(doc.JSON, &st); err == nil {
			return st, FromRedis, nil
		}
	}
	if minVersion > 0 {
		st, err := h.Fallback.History(ctx, user, true)
		return st, FromWriter, err
	}
	st, err := h.Fallback.History(ctx, user, false)
	return st, FromMySQL, err
}
