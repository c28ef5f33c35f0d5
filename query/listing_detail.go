package query

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// ListingDetail returns one listing. A published listing is public; a draft or
// unpublished one is shown to its landlord only; a deleted one to nobody.
// MinVersion > 0 asks for at least that version (read-your-writes): an older
// read model is bypassed for the MySQL writer.
//
// The answer is the shared listing document (the near cache keeps it) with a
// small part appended: the view count and, for a logged-in caller, whether
// they favorited it. A logged-in tenant reading a published listing records
// a view; the recorder buffers it, so no write is on the request's path.
// A logged-in caller also gets the landlord's contact (landlord_contact):
// a visitor is asked to log in for it, as rental sites do, and the
// anonymous read stays the near cache's alone.
type ListingDetail struct {
	Actor      rental.Actor
	ID         uuid.UUID
	MinVersion int64
}

// ViewRecorder takes note that a user read a listing's detail. It must return
// at once: the api records views in batches, through a command, off the
// request path.
type ViewRecorder interface {
	Viewed(listing, user uuid.UUID)
}

type ListingDetailHandler struct {
	RM       ReadModels
	Fallback Fallback
	Repair   Repairer
	Views    ViewRecorder // nil records nothing
}

func (h ListingDetailHandler) Handle(ctx context.Context, q ListingDetail) (Body, error) {
	b, status, landlord, err := h.listing(ctx, q)
	if err != nil {
		return Body{}, err
	}
	var views int64
	if c, err := h.RM.ListingViews(ctx, q.ID); err == nil {
		views = c.N
	} else if views, err = h.Fallback.ListingViews(ctx, q.ID); err != nil {
		return Body{}, err
	}
	extra := make([]byte, 0, 40)
	extra = append(extra, `"views":`...)
	extra = strconv.AppendInt(extra, views, 10)
	if user := q.Actor.UserID; user != uuid.Nil {
		favorited, err := h.RM.Favorited(ctx, user, q.ID)
		if err != nil {
			if favorited, err = h.Fallback.Favorited(ctx, user, q.ID); err != nil {
				return Body{}, err
			}
		}
		extra = append(extra, `,"favorited":`...)
		extra = strconv.AppendBool(extra, favorited)
		if extra, err = appendContact(ctx, h.RM, h.Fallback, extra, "landlord_contact", landlord); err != nil {
			return Body{}, err
		}
		if h.Views != nil && status == events.StatusPublished && user != landlord {
			h.Views.Viewed(q.ID, user)
		}
	}
	b.JSON = withFields(b.JSON, extra)
	return b, nil
}

// listing returns the shared document of the listing, its status and landlord.
func (h ListingDetailHandler) listing(ctx context.Context, q ListingDetail) (Body, string, uuid.UUID, error) {
	doc, err := h.RM.Listing(ctx, q.ID)
	if err == nil && doc.Version >= q.MinVersion {
		if !visible(doc.Status, doc.Owner, q.Actor) {
			return Body{}, "", uuid.Nil, listingNotFound(q.ID)
		}
		return Body{JSON: doc.JSON, Version: doc.Version, Source: FromRedis}, doc.Status, doc.Owner, nil
	}
	// A miss, an unreachable Redis, or a read model older than the caller's write.
	fresh := err == nil || q.MinVersion > 0
	st, err := h.Fallback.Listing(ctx, q.ID, fresh)
	if err != nil {
		return Body{}, "", uuid.Nil, err
	}
	h.Repair.RepairListing(st)
	if !visible(st.Status, st.LandlordID, q.Actor) {
		return Body{}, "", uuid.Nil, listingNotFound(q.ID)
	}
	body, err := json.Marshal(st)
	if err != nil {
		return Body{}, "", uuid.Nil, fmt.Errorf("encoding listing %s: %w", q.ID, err)
	}
	source := FromMySQL
	if fresh {
		source = FromWriter
	}
	return Body{JSON: body, Version: st.Version, Source: source}, st.Status, st.LandlordID, nil
}

// withFields appends encoded members (`"a":1,"b":2`) to a JSON object,
// without decoding it: the shared document stays as the cache holds it.
func withFields(object, fields []byte) []byte {
	end := bytes.LastIndexByte(object, '}')
	if end < 0 || len(fields) == 0 {
		return object
	}
	out := make([]byte, 0, len(object)+len(fields)+1)
	out = append(out, object[:end]...)
	if bytes.ContainsAny(object[:end], ":") {
		out = append(out, ',')
	}
	out = append(out, fields...)
	return append(out, object[end:]...)
}

// visible is the one rule for who may see a listing in a given status.
func visible(status string, landlord uuid.UUID, a rental.Actor) bool {
	switch status {
	case events.StatusPublished:
		return true
	case events.StatusDeleted:
		return false
	default:
		return a.UserID != uuid.Nil && a.UserID == landlord
	}
}

func listingNotFound(id uuid.UUID) error {
	return rental.Errorf(rental.ENOTFOUND, "listing %s not found", id)
}
