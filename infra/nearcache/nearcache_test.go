package nearcache

import (
	"context"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/query"
)

// fakeModels answers every listing with the document it holds.
type fakeModels struct {
	query.ReadModels
	doc   query.Doc
	calls int
}

func (f *fakeModels) Listing(context.Context, uuid.UUID) (query.Doc, error) {
	f.calls++
	return f.doc, nil
}

func newLive(inner query.ReadModels) *Cache {
	c := New(Config{}, inner, nil, "", nil, slog.New(slog.DiscardHandler))
	c.live.Store(true)
	return c
}

func TestCache_servesFromMemoryUntilAChangeIsAnnounced(t *testing.T) {
	id := uuid.New()
	inner := &fakeModels{doc: query.Doc{Version: 1, JSON: []byte(`{"v":1}`)}}
	c := newLive(inner)
	for range 3 {
		if d, _ := c.Listing(context.Background(), id); d.Version != 1 {
			t.Fatalf("version %d", d.Version)
		}
	}
	if inner.calls != 1 {
		t.Fatalf("cached after the first read, got %d reads", inner.calls)
	}
	inner.doc = query.Doc{Version: 2, JSON: []byte(`{"v":2}`)}
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: id, Version: 2}.String())
	if d, _ := c.Listing(context.Background(), id); d.Version != 2 || inner.calls != 2 {
		t.Fatalf("a notice drops the entry: version %d after %d reads", d.Version, inner.calls)
	}
}

func TestCache_aFetchThatRacedWithAChangeIsNotKept(t *testing.T) {
	id := uuid.New()
	inner := &fakeModels{doc: query.Doc{Version: 1, JSON: []byte(`{"v":1}`)}}
	c := newLive(inner)
	// The notice for v2 arrives while a read is still bringing v1 back.
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: id, Version: 2}.String())
	if d, _ := c.Listing(context.Background(), id); d.Version != 1 {
		t.Fatalf("the read returns what it found: %d", d.Version)
	}
	if _, ok := c.cached(id); ok {
		t.Fatal("v1 must not be cached after v2 was announced")
	}
}

func TestCache_servesNothingWhileNoticesAreDown(t *testing.T) {
	id := uuid.New()
	inner := &fakeModels{doc: query.Doc{Version: 1, JSON: []byte(`{}`)}}
	c := newLive(inner)
	c.Listing(context.Background(), id)
	c.disable()
	c.Listing(context.Background(), id)
	c.Listing(context.Background(), id)
	if inner.calls != 3 {
		t.Fatalf("without notices every read goes through, got %d reads", inner.calls)
	}
}

func TestCache_aNoticeOfTheSameVersionDropsTheEntry(t *testing.T) {
	id := uuid.New()
	inner := &fakeModels{doc: query.Doc{Version: 3, JSON: []byte(`{"bad":true}`)}}
	c := newLive(inner)
	c.Listing(context.Background(), id)
	// A repair rewrote version 3 in place and announced it.
	inner.doc = query.Doc{Version: 3, JSON: []byte(`{"good":true}`)}
	c.notice(readmodel.ChangeNotice{Kind: readmodel.NoticeListing, ID: id, Version: 3}.String())
	if d, _ := c.Listing(context.Background(), id); string(d.JSON) != `{"good":true}` || inner.calls != 2 {
		t.Fatalf("the repaired body must be read again: %s after %d reads", d.JSON, inner.calls)
	}
}

// fakeAuth counts lookups and can revoke in the middle of one.
type fakeAuth struct {
	calls   int
	during  func()
	expires time.Time // when the session ends; zero: in an hour
}

func (f *fakeAuth) Session(context.Context, []byte) (rental.Actor, time.Time, error) {
	f.calls++
	if f.during != nil {
		f.during()
	}
	expires := f.expires
	if expires.IsZero() {
		expires = time.Now().Add(time.Hour)
	}
	return rental.Actor{UserID: uuid.MustParse("01a20a2c-ad76-7a8f-9b67-e317225ecffd")}, expires, nil
}

func TestSessions_aSessionPastItsExpiryIsRefusedFromTheCache(t *testing.T) {
	c := newLive(&fakeModels{})
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	auth := &fakeAuth{expires: now.Add(10 * time.Second)}
	s := c.Sessions(auth, nil, "")
	s.now = func() time.Time { return now }
	for range 2 {
		if _, err := s.Authenticate(context.Background(), []byte("h3")); err != nil {
			t.Fatal(err)
		}
	}
	if auth.calls != 1 {
		t.Fatalf("the session is cached: %d lookups", auth.calls)
	}
	now = now.Add(10 * time.Second) // the moment it expires, well inside the cache's minute
	if _, err := s.Authenticate(context.Background(), []byte("h3")); rental.ErrorCode(err) != rental.EUNAUTHORIZED {
		t.Fatalf("an expired session is refused at once, got %v", err)
	}
}

func TestSessions_cachedUntilRevoked(t *testing.T) {
	c := newLive(&fakeModels{})
	auth := &fakeAuth{}
	s := c.Sessions(auth, nil, "")
	for range 3 {
		if _, err := s.Authenticate(context.Background(), []byte("h1")); err != nil {
			t.Fatal(err)
		}
	}
	if auth.calls != 1 {
		t.Fatalf("a session is looked up once, got %d lookups", auth.calls)
	}
	s.notice(announcement{token: []byte("h1")}.String())
	s.Authenticate(context.Background(), []byte("h1"))
	if auth.calls != 2 {
		t.Fatalf("a revoked token is looked up again, got %d lookups", auth.calls)
	}
	s.notice(announcement{user: uuid.MustParse("01a20a2c-ad76-7a8f-9b67-e317225ecffd")}.String())
	s.Authenticate(context.Background(), []byte("h1"))
	if auth.calls != 3 {
		t.Fatalf("a changed user's sessions are looked up again, got %d lookups", auth.calls)
	}
}

func TestSessions_aLookupThatRacedWithARevocationIsNotKept(t *testing.T) {
	c := newLive(&fakeModels{})
	auth := &fakeAuth{}
	s := c.Sessions(auth, nil, "")
	auth.during = func() { s.notice(announcement{token: []byte("h2")}.String()) }
	s.Authenticate(context.Background(), []byte("h2"))
	auth.during = nil
	s.Authenticate(context.Background(), []byte("h2"))
	if auth.calls != 2 {
		t.Fatalf("the raced lookup must not be cached, got %d lookups", auth.calls)
	}
}

func TestAnnouncement_formatAndParseRoundTrip(t *testing.T) {
	for _, a := range []announcement{{token: []byte("h1")}, {token: []byte{}}, {user: uuid.New()}} {
		got, ok := parseAnnouncement(a.String())
		if !ok || !reflect.DeepEqual(got, a) {
			t.Errorf("%q reads back as %+v (ok %v), want %+v", a.String(), got, ok, a)
		}
	}
	for _, msg := range []string{"", "token zz", "user not-a-uuid", "listing 01a20a2c-ad76-7a8f-9b67-e317225ecffd 2"} {
		if a, ok := parseAnnouncement(msg); ok {
			t.Errorf("%q reads as %+v", msg, a)
		}
	}
}
