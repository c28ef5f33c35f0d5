package worker

import (
	"context"

	"github.com/zufang/rental/events"
)

// ListingProjector keeps the listing documents and what derives from
// listings alone: the search and landlord indexes, the keyword and suggestion
// indexes and the district charts. Every listing event carries the whole listing, so one
// compare-and-set write handles them all; a deletion leaves a tombstone.
type ListingProjector struct{ RM ReadModels }

func (p ListingProjector) Projection() Projection {
	return Projection{
		Name: "listings",
		Types: []events.Type{events.ListingCreated, events.ListingUpdated, events.ListingPublished,
			events.ListingUnpublished, events.ListingDeleted, events.ListingImageAdded, events.ListingImageRemoved,
			events.ListingCoverSet, events.ListingBooked, events.ListingReviewed},
		Apply:      p.onListingChanged,
		LatestOnly: true,
	}
}

func (p ListingProjector) onListingChanged(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.ListingState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutListing(ctx, gen, st, doc)
}
