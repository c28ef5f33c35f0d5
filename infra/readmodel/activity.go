package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// Favorites, view counters and histories. Keys, g each projection's generation:
//
//	P rm:favorites:g:fav:<pair id>     hash v, d (events.FavoriteState)
//	P rm:favorites:g:ix:fav:<user>     zset of favorited listing ids by time
//	P rm:views:g:views:<listing>       hash v, d (events.ListingViewsState), s (the count)
//	P rm:views:g:ix:views              zset of listing ids by views (home)
//	P rm:views:g:bm:v:<i>              views, bit-sliced by listing ordinal (sort=views, search.go)
//	P rm:history:g:history:<user>      hash v, d (events.HistoryState)
//
// Each is a versioned aggregate, so a repeated or late batch of views never
// counts twice nor brings back an older history.

// favoriteWrite is what the favorites read model holds for a (user, listing)
// pair in state st: the pair's document, and while it is a favorite, the
// listing in the user's list.
func (s *Store) favoriteWrite(st *events.FavoriteState) (write, error) {
	var entries []entry
	if st.Active {
		entries = append(entries, sorted("ix:fav:"+st.UserID.String(), float64(st.At.UnixMilli()), st.ListingID.String()))
	}
	return write{projection: Favorites, suffix: "fav:" + st.ID.String(), version: st.Version,
		owner: st.UserID.String(), entries: entries}, nil
}

// listingViewsWrite is what the views read model holds for a listing's view
// counter: the count (as the document's status, read without decoding) and
// the listing's place in the ranking by views.
func (s *Store) listingViewsWrite(st *events.ListingViewsState) (write, error) {
	listing := st.ListingID.String()
	return write{projection: Views, suffix: "views:" + listing, version: st.Version,
		status: strconv.FormatInt(st.Views, 10), notice: docNotice(NoticeViews, st.ListingID, st.Version),
		entries: []entry{sorted("ix:views", float64(st.Views), listing), bitSliced("bm:v", st.Views, listing)}}, nil
}

// historyWrite is what the history read model holds for a user's history: one document.
func (s *Store) historyWrite(st *events.HistoryState) (write, error) {
	return write{projection: History, suffix: "history:" + st.UserID.String(), version: st.Version,
		owner: st.UserID.String()}, nil
}

func (s *Store) ListingViews(ctx context.Context, listing uuid.UUID) (query.Count, error) {
	d, err := s.doc(ctx, Views, "views:"+listing.String())
	if errors.Is(err, query.ErrMiss) {
		if _, berr := s.base(ctx, Views); berr == nil {
			return query.Count{}, nil // built, never viewed (or not yet projected)
		}
	}
	if err != nil {
		return query.Count{}, err
	}
	n, err := strconv.ParseInt(d.Status, 10, 64)
	if err != nil {
		return query.Count{}, fmt.Errorf("bad view count %q of listing %s", d.Status, listing)
	}
	return query.Count{Version: d.Version, N: n}, nil
}

func (s *Store) Favorited(ctx context.Context, user, listing uuid.UUID) (bool, error) {
	base, err := s.base(ctx, Favorites)
	if err != nil {
		return false, err
	}
	found := false
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		err := c.ZScore(ctx, base+"ix:fav:"+user.String(), listing.String()).Err()
		found = err == nil
		if errors.Is(err, goredis.Nil) {
			return nil // not a favorite: an answer, not a failure
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("reading favorites of %s: %w", user, err)
	}
	return found, nil
}

func (s *Store) Favorites(ctx context.Context, user uuid.UUID, offset, limit int) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Favorites)
	if err != nil {
		return nil, 0, err
	}
	// Inside a built generation a user without the key has no favorites (as
	// Favorited reads it): an answer, not a miss for MySQL to fill.
	members, total, err := s.zpage(ctx, base+"ix:fav:"+user.String(), offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading favorites of %s: %w", user, err)
	}
	ids, err := memberIDs(members)
	return ids, total, err
}

func (s *Store) History(ctx context.Context, user uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, History, "history:"+user.String())
}
