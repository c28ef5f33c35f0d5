package query

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// listingDocReader and listingStateReader are the parts of ReadModels and
// Fallback that listingDocs reads.
type (
	listingDocReader interface {
		Listings(ctx context.Context, ids []uuid.UUID) ([]Doc, error)
	}
	listingStateReader interface {
		Listings(ctx context.Context, ids []uuid.UUID) ([]events.ListingState, error)
	}
	listingRepairer interface {
		RepairListing(st events.ListingState)
	}
)

// listingDocs is the one rule for turning listing ids (from an index, a
// ranking, a user's list) into documents: aligned with ids, the document of
// each listing that keep accepts, and the zero Doc for a listing that does not
// exist or that keep refuses. The documents come from the read models; those
// missing there (all of them when the read models cannot be reached) are read
// from MySQL and repaired, and keep judges them the same way. A listing whose
// document keep refuses is left out, not read again: the index and the
// document disagree only until the worker catches up.
func listingDocs(ctx context.Context, rm listingDocReader, fb listingStateReader, repair listingRepairer, ids []uuid.UUID, keep func(Doc) bool) ([]Doc, error) {
	out := make([]Doc, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	docs, err := rm.Listings(ctx, ids)
	if err != nil || len(docs) != len(ids) {
		docs = make([]Doc, len(ids))
	}
	var missing []uuid.UUID
	for i, d := range docs {
		if !d.Found() {
			missing = append(missing, ids[i])
		}
	}
	fromDB := map[uuid.UUID]Doc{}
	if len(missing) > 0 {
		states, err := fb.Listings(ctx, missing)
		if err != nil {
			return nil, err
		}
		for _, st := range states {
			repair.RepairListing(st)
			b, err := json.Marshal(st)
			if err != nil {
				return nil, fmt.Errorf("encoding listing %s: %w", st.ID, err)
			}
			fromDB[st.ID] = Doc{Version: st.Version, JSON: b, Status: st.Status, Owner: st.LandlordID}
		}
	}
	for i, d := range docs {
		if !d.Found() {
			d = fromDB[ids[i]]
		}
		if d.Found() && keep(d) {
			out[i] = d
		}
	}
	return out, nil
}

// listingItems is listingDocs as the encoded items of a page: the kept
// documents in the order of ids.
func listingItems(ctx context.Context, rm listingDocReader, fb listingStateReader, repair listingRepairer, ids []uuid.UUID, keep func(Doc) bool) ([][]byte, error) {
	docs, err := listingDocs(ctx, rm, fb, repair, ids, keep)
	if err != nil {
		return nil, err
	}
	items := make([][]byte, 0, len(docs))
	for _, d := range docs {
		if d.Found() {
			items = append(items, d.JSON)
		}
	}
	return items, nil
}

// published keeps the listings every caller may see.
func published(d Doc) bool { return d.Status == events.StatusPublished }

// anyListing keeps every listing that exists.
func anyListing(Doc) bool { return true }

func encodeListings(states []events.ListingState) ([][]byte, error) {
	items := make([][]byte, len(states))
	for i, st := range states {
		b, err := json.Marshal(st)
		if err != nil {
			return nil, fmt.Errorf("encoding listing %s: %w", st.ID, err)
		}
		items[i] = b
	}
	return items, nil
}
