package query

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// docsIn holds read-model documents by id; down makes every read fail.
type docsIn struct {
	docs map[uuid.UUID]Doc
	down bool
}

func (r docsIn) Listings(_ context.Context, ids []uuid.UUID) ([]Doc, error) {
	if r.down {
		return nil, errors.New("redis: connection refused")
	}
	out := make([]Doc, len(ids))
	for i, id := range ids {
		out[i] = r.docs[id]
	}
	return out, nil
}

// statesIn holds MySQL's listing states by id and records what it was asked for.
type statesIn struct {
	states map[uuid.UUID]events.ListingState
	asked  *[]uuid.UUID
	err    error
}

func (f statesIn) Listings(_ context.Context, ids []uuid.UUID) ([]events.ListingState, error) {
	*f.asked = append(*f.asked, ids...)
	if f.err != nil {
		return nil, f.err
	}
	var out []events.ListingState
	for _, id := range ids {
		if st, ok := f.states[id]; ok {
			out = append(out, st)
		}
	}
	return out, nil
}

type repaired []uuid.UUID

func (r *repaired) RepairListing(st events.ListingState) { *r = append(*r, st.ID) }

func listingDoc(st events.ListingState) Doc {
	b, _ := json.Marshal(st)
	return Doc{Version: st.Version, JSON: b, Status: st.Status, Owner: st.LandlordID}
}

func titles(t *testing.T, items [][]byte) []string {
	t.Helper()
	out := make([]string, len(items))
	for i, b := range items {
		var st events.ListingState
		if err := json.Unmarshal(b, &st); err != nil {
			t.Fatalf("item %d: %v", i, err)
		}
		out[i] = st.Title
	}
	return out
}

func TestListingItems_keepsOrderFillsFromMySQLAndJudgesBothAlike(t *testing.T) {
	ctx := context.Background()
	a, b, c, d, e := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	st := func(id uuid.UUID, title, status string) events.ListingState {
		return events.ListingState{ID: id, Version: 3, Title: title, Status: status, LandlordID: uuid.New()}
	}
	rm := docsIn{docs: map[uuid.UUID]Doc{
		a: listingDoc(st(a, "a in redis", events.StatusPublished)),
		c: listingDoc(st(c, "c in redis, unpublished", events.StatusUnpublished)),
	}}
	var asked []uuid.UUID
	fb := statesIn{asked: &asked, states: map[uuid.UUID]events.ListingState{
		a: st(a, "a in mysql", events.StatusPublished),
		b: st(b, "b in mysql", events.StatusPublished),
		c: st(c, "c in mysql", events.StatusPublished),
		d: st(d, "d in mysql, unpublished", events.StatusUnpublished),
		// e exists nowhere
	}}
	var rep repaired
	items, err := listingItems(ctx, rm, fb, &rep, []uuid.UUID{d, b, e, c, a}, published)
	if err != nil {
		t.Fatal(err)
	}
	// b comes from MySQL; d from MySQL fails keep like c from Redis does;
	// e is nowhere; a is Redis's.
	want := []string{"b in mysql", "a in redis"}
	if got := titles(t, items); !slices.Equal(got, want) {
		t.Fatalf("items = %q, want %q", got, want)
	}
	if !sameSet(asked, []uuid.UUID{d, b, e}) {
		t.Fatalf("asked MySQL for %v, want the three missing in Redis", asked)
	}
	if !sameSet(rep, []uuid.UUID{d, b}) {
		t.Fatalf("repaired %v, want what MySQL returned (d, b)", rep)
	}
}

func TestListingDocs_alignedWithIDs_allFromMySQLWhenRedisFails(t *testing.T) {
	ctx := context.Background()
	a, b := uuid.New(), uuid.New()
	var asked []uuid.UUID
	fb := statesIn{asked: &asked, states: map[uuid.UUID]events.ListingState{
		a: {ID: a, Version: 1, Title: "a", Status: events.StatusDeleted},
		b: {ID: b, Version: 2, Title: "b", Status: events.StatusDraft},
	}}
	var rep repaired
	docs, err := listingDocs(ctx, docsIn{down: true}, fb, &rep, []uuid.UUID{a, b, uuid.New()}, anyListing)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 3 || docs[0].Status != events.StatusDeleted || docs[1].Version != 2 || docs[2].Found() {
		t.Fatalf("docs = %+v, want a (deleted), b (v2), then a zero Doc", docs)
	}
	if len(asked) != 3 {
		t.Fatalf("asked MySQL for %d listings, want all 3", len(asked))
	}
}

func TestListingDocs_surfacesMySQLError(t *testing.T) {
	var asked []uuid.UUID
	boom := errors.New("mysql down")
	_, err := listingDocs(context.Background(), docsIn{}, statesIn{asked: &asked, err: boom}, new(repaired), []uuid.UUID{uuid.New()}, anyListing)
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want %v", err, boom)
	}
}

func sameSet(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[uuid.UUID]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}
