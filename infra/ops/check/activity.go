package check

import (
	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
)

// Favorites checks the favorites read model against the favorites table:
// each (user, listing) pair's document, removed pairs included, keyed by the
// pair's aggregate id, and each user's list of favorites.
func Favorites(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.Favorites, "fav", states.Favorites(),
		func(st events.FavoriteState) uuid.UUID { return st.ID }, readmodel.NewInspector(rm).ExpectFavorite)
}

// Views checks the views read model against listing_views: each listing's
// count (document and the status the detail reads) and the ranking by views.
func Views(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.Views, "views", states.ListingViews(),
		func(st events.ListingViewsState) uuid.UUID { return st.ListingID }, readmodel.NewInspector(rm).ExpectListingViews)
}

// History checks the history read model against view_history: one document per user.
func History(states mysql.States, rm *readmodel.Store) Checker {
	return table(readmodel.History, "history", states.Histories(),
		func(st events.HistoryState) uuid.UUID { return st.UserID }, readmodel.NewInspector(rm).ExpectHistory)
}
