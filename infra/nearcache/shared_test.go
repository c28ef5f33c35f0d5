package nearcache

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/query"
)

// countsModels answers view counts.
type countsModels struct {
	query.ReadModels
	count query.Count
	calls int
}

func (f *countsModels) ListingViews(context.Context, uuid.UUID) (query.Count, error) {
	f.calls++
	return f.count, nil
}

func TestCache_viewCountsFollowTheirNotices(t *testing.T) {
	id := uuid.New()
	inner := &countsModels{count: query.Count{}} // never viewed
	c := newLive(inner)
	for range 3 {
		if v, _ := c.ListingViews(context.Background(), id); v.N != 0 {
			t.Fatalf("views %d", v.N)
		}
	}
	if inner.calls != 1 {
		t.Fatalf("a zero count is cached too, got %d reads", inner.calls)
	}
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: id, Version: 1}.String())
	inner.count = query.Count{Version: 1, N: 4}
	if v, _ := c.ListingViews(context.Background(), id); v.N != 4 || inner.calls != 2 {
		t.Fatalf("a notice drops the count: %d after %d reads", v.N, inner.calls)
	}
	// A read that raced with a newer notice is not kept.
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: id, Version: 3}.String())
	inner.count = query.Count{Version: 2, N: 5}
	c.ListingViews(context.Background(), id)
	c.ListingViews(context.Background(), id)
	if inner.calls != 4 {
		t.Fatalf("an older count than announced is not cached, got %d reads", inner.calls)
	}
}

// sharedQuery is a query.Shared depending on some read models.
type sharedQuery struct{ deps []string }

func (q sharedQuery) CacheKey() string    { return strings.Join(q.deps, ",") }
func (q sharedQuery) DependsOn() []string { return q.deps }

func TestPages_aSharedAnswerIsRetiredOnlyByWhatItDependsOn(t *testing.T) {
	c := newLive(&fakeModels{})
	computed := 0
	next := func(context.Context, any) (any, error) {
		computed++
		return query.Body{JSON: []byte(`{}`), Source: query.FromRedis}, nil
	}
	run := c.Pages()("q", next)
	search := sharedQuery{deps: []string{query.DependsListings}}
	for range 2 {
		run(context.Background(), search)
	}
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: uuid.New(), Version: 7}.String()) // a view does not retire a search by price
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeOrder, ID: uuid.New(), Version: 2}.String()) // nor does an order
	run(context.Background(), search)
	if computed != 1 {
		t.Fatalf("computed %d times, want once", computed)
	}
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: uuid.New(), Version: 2}.String())
	run(context.Background(), search)
	if computed != 2 {
		t.Fatalf("a listing change retires it: computed %d times", computed)
	}
	byViews := sharedQuery{deps: []string{query.DependsListings, query.DependsViews}}
	run(context.Background(), byViews)
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeViews, ID: uuid.New(), Version: 8}.String())
	run(context.Background(), byViews)
	if computed != 4 {
		t.Fatalf("a view retires an answer sorted by views: computed %d times", computed)
	}
}

func TestPages_aPrivateAnswerIsNeverKept(t *testing.T) {
	c := newLive(&fakeModels{})
	computed := 0
	next := func(context.Context, any) (any, error) {
		computed++
		// A landlord reading the reviews of their own draft: only they may see it.
		return query.Body{JSON: []byte(`{"items":[]}`), Source: query.FromRedis, Private: true}, nil
	}
	run := c.Pages()("q", next)
	q := sharedQuery{deps: []string{query.DependsListings}}
	for range 3 {
		run(context.Background(), q)
	}
	if computed != 3 {
		t.Fatalf("a private answer was served from the cache: computed %d times for 3 reads", computed)
	}
}

func TestPages_aKeptAnswerCarriesOneSumForItsContent(t *testing.T) {
	c := newLive(&fakeModels{})
	body := `{"items":[1]}`
	next := func(context.Context, any) (any, error) {
		return query.Body{JSON: []byte(body), Source: query.FromRedis}, nil
	}
	run := c.Pages()("q", next)
	sum := func(q sharedQuery) query.Sum {
		res, err := run(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		return res.(query.Body).Sum
	}
	a := sharedQuery{deps: []string{query.DependsListings}}
	filled, served := sum(a), sum(a)
	if filled == (query.Sum{}) || filled != served {
		t.Fatalf("the answer that filled the entry and the one it served carry %v and %v: a page keyed by them would be drawn twice", filled, served)
	}
	// The same bytes under another query are named alike; other bytes are not.
	if other := sum(sharedQuery{deps: []string{query.DependsOrders}}); other != filled {
		t.Fatalf("the same content was named %v and %v", filled, other)
	}
	body = `{"items":[2]}`
	if changed := sum(sharedQuery{deps: []string{query.DependsViews}}); changed == filled {
		t.Fatal("different content carries the same Sum")
	}
}
