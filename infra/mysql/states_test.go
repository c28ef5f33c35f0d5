package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// MySQL derives each favorite pair's aggregate id (migration 00011) the way
// events.FavoriteID does, so a check can stream pairs in that order and find
// a pair by the id its read-model document is keyed by.
func TestStates_favoritesByTheAggregateIDMySQLDerives(t *testing.T) {
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Now().UTC().Truncate(time.Microsecond)
	want := map[uuid.UUID]events.FavoriteState{}
	for i := range 50 {
		user, listing := uuid.New(), uuid.New()
		if i%2 == 1 {
			user = uuid.Nil // a zero byte or two must not throw the derivation off
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO favorites (user_id, listing_id, version, active, favorited_at) VALUES (?, ?, ?, ?, ?)`,
			user[:], listing[:], i+1, i%3 != 0, at); err != nil {
			t.Fatal(err)
		}
		st := events.FavoriteState{ID: events.FavoriteID(user, listing), Version: int64(i + 1), UserID: user, ListingID: listing,
			Active: i%3 != 0, At: at}
		want[st.ID] = st
	}
	states := mysql.NewStates(db, nil)
	var got []events.FavoriteState
	for after := uuid.Nil; ; {
		page, err := states.Favorites().Page(ctx, after, 7)
		if err != nil {
			t.Fatalf("the ids MySQL derives must be the platform's: %v", err)
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1].ID
	}
	if len(got) != len(want) {
		t.Fatalf("streamed %d pairs, want %d", len(got), len(want))
	}
	for i, st := range got {
		if i > 0 && got[i-1].ID.String() >= st.ID.String() {
			t.Fatalf("not in id order at %d: %s then %s", i, got[i-1].ID, st.ID)
		}
		w := want[st.ID]
		if !w.At.Equal(st.At) {
			t.Fatalf("pair %s favorited at %v, want %v", st.ID, st.At, w.At)
		}
		w.At, st.At = time.Time{}, time.Time{}
		if w != st {
			t.Fatalf("pair %s: %+v, want %+v", st.ID, st, w)
		}
	}
	some := []uuid.UUID{got[3].ID, got[17].ID, uuid.New()}
	found, err := states.Favorites().ByID(ctx, some)
	if err != nil || len(found) != 2 {
		t.Fatalf("two of three ids are pairs: %v %v", found, err)
	}
}
