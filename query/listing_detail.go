package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// ListingDetail returns one listing. A published listing is public; a draft or
// unpublished one is shown to its landlord only; a deleted one to nobody.
// MinVersion > 0 asks for at least that version (read-your-writes): an older
// read model is bypassed for the MySQL writer.
type ListingDetail struct {
	Actor      rental.Actor
	ID         uuid.UUID
	MinVersion int64
}

type ListingDetailHandler struct {
	RM     ReadModels
	DB     Source
	Repair Repairer
}

func (h ListingDetailHandler) Handle(ctx context.Context, q ListingDetail) (Body, error) {
	doc, err := h.RM.Listing(ctx, q.ID)
	if err == nil && doc.Version >= q.MinVersion {
		if !visible(doc.Status, doc.Owner, q.Actor) {
			return Body{}, listingNotFound(q.ID)
		}
		return Body{JSON: doc.JSON, Version: doc.Version, Source: FromRedis}, nil
	}
	// A miss, an unreachable Redis, or a read model older than the caller's write.
	fresh := err == nil || q.MinVersion > 0
	st, err := h.DB.Listing(ctx, q.ID, fresh)
	if err != nil {
		return Body{}, err
	}
	h.Repair.RepairListing(st)
	if !visible(st.Status, st.LandlordID, q.Actor) {
		return Body{}, listingNotFound(q.ID)
	}
	body, err := json.Marshal(st)
	if err != nil {
		return Body{}, fmt.Errorf("encoding listing %s: %w", q.ID, err)
	}
	source := FromMySQL
	if fresh {
		source = FromWriter
	}
	return Body{JSON: body, Version: st.Version, Source: source}, nil
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
