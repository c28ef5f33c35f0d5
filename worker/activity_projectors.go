package worker

import (
	"context"

	"github.com/zufang/rental/events"
)

// FavoriteProjector keeps each user's favorites. A favorite is a (user,
// listing) pair with its own version, so a late "added" never undoes a newer
// "removed".
type FavoriteProjector struct{ RM ReadModels }

func (p FavoriteProjector) Projection() Projection {
	return Projection{Name: "favorites", Types: []events.Type{events.FavoriteAdded, events.FavoriteRemoved}, Apply: p.onFavoriteChanged,
		LatestOnly: true} // each event carries the pair's whole state
}

func (p FavoriteProjector) onFavoriteChanged(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.FavoriteState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutFavorite(ctx, gen, st, doc)
}

// ViewsProjector keeps each listing's view count and the ranking by views.
// Events carry the total, not an increment: a repeated batch is a no-op.
type ViewsProjector struct{ RM ReadModels }

func (p ViewsProjector) Projection() Projection {
	return Projection{Name: "views", Types: []events.Type{events.ListingViewed, events.ListingViewsImported}, Apply: p.onViewed,
		LatestOnly: true} // each event carries the total
}

func (p ViewsProjector) onViewed(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.ListingViewsState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutListingViews(ctx, gen, st, doc)
}

// HistoryProjector keeps each user's last viewed listings.
type HistoryProjector struct{ RM ReadModels }

func (p HistoryProjector) Projection() Projection {
	return Projection{Name: "history", Types: []events.Type{events.HistoryViewed, events.HistoryCleared, events.HistoryImported}, Apply: p.onHistoryChanged,
		LatestOnly: true} // each event carries the whole list
}

func (p HistoryProjector) onHistoryChanged(ctx context.Context, gen string, e events.Envelope) (bool, error) {
	var st events.HistoryState
	doc, err := decodeState(e, &st, &st.ID, &st.Version)
	if err != nil {
		return false, err
	}
	return p.RM.PutHistory(ctx, gen, st, doc)
}
