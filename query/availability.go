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

// Availability lists the stays that hold dates of a listing between From and
// To (exclusive): the dates a tenant cannot book. Only who may see the
// listing may ask. Without dates it covers the next year; at most
// events.MaxStayDays at once.
type Availability struct {
	Actor     rental.Actor
	ListingID uuid.UUID
	From, To  time.Time // zero: from today (China), for a year
}

// CacheKey and DependsOn make a published listing's booked dates a Shared
// query (every listing page draws its calendar from them): an order change
// retires them (the near cache keeps each listing's ranges until an order of
// that listing changes, so recomputing is cheap), a listing change too (it
// may have been unpublished). Without dates the key says so, and the near
// cache's entries live seconds, not past a day's end.
func (q Availability) CacheKey() string {
	var buf [64]byte
	return string(appendDay(appendDay(appendKey(buf[:0], "availability", q.ListingID), q.From), q.To))
}

func (Availability) DependsOn() []string { return onListingsOrders }

type AvailabilityHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
	Now      func() time.Time
}

type bookedJSON struct {
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

func (h AvailabilityHandler) Handle(ctx context.Context, q Availability) (Body, error) {
	if q.From.IsZero() {
		q.From = events.Today(h.Now())
	}
	if q.To.IsZero() {
		q.To = q.From.AddDate(1, 0, 0)
	}
	switch {
	case !q.To.After(q.From):
		return Body{}, rental.InvalidField("to", "must be after from (it is exclusive)")
	case q.To.Sub(q.From) > events.MaxStayDays*24*time.Hour:
		return Body{}, rental.InvalidField("to", fmt.Sprintf("must be at most %d days after from", events.MaxStayDays))
	}
	ld := ListingDetailHandler{RM: h.RM, Fallback: h.Fallback, Repair: h.Repair}
	_, status, _, err := ld.listing(ctx, ListingDetail{Actor: q.Actor, ID: q.ListingID})
	if err != nil {
		return Body{}, err
	}
	source := FromRedis
	ranges, err := h.RM.BookedRanges(ctx, q.ListingID, q.From, q.To)
	if err != nil {
		source = FromMySQL
		if ranges, err = h.Fallback.BookedRanges(ctx, q.ListingID, q.From, q.To); err != nil {
			return Body{}, err
		}
	}
	booked := make([]bookedJSON, len(ranges))
	for i, r := range ranges {
		booked[i] = bookedJSON{r.Start.Format(events.DateLayout), r.End.Format(events.DateLayout)}
	}
	body, err := json.Marshal(map[string]any{"listing_id": q.ListingID, "from": q.From.Format(events.DateLayout),
		"to": q.To.Format(events.DateLayout), "booked": booked})
	if err != nil {
		return Body{}, fmt.Errorf("encoding availability: %w", err)
	}
	return Body{JSON: body, Source: source, Private: status != events.StatusPublished}, nil
}
