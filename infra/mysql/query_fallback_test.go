package mysql_test

import (
	"context"
	"testing"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A reader that has not applied a write yet (a lagging Galera node) must not
// turn an acknowledged aggregate into a 404: its "not found" is confirmed on
// the writer. Here the reader is a second database that never got the row,
// which is what a reader behind the writer looks like.
func TestQueryFallback_aMissOnALaggingReaderIsConfirmedOnTheWriter(t *testing.T) {
	ctx := context.Background()
	open := func() *mysql.Pools {
		db, err := mysql.Open(ctx, testenv.Database(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return &mysql.Pools{Writer: db, Reader: db}
	}
	writer, lagging := open(), open()
	u, _, err := command.NewUser(rental.NewID(), "lag@example.com", "", "hash", "n", nil, time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mysql.NewUserStore(mysql.NewCommandRunner(writer.Writer, nil)).Create(ctx, command.Meta{Actor: rental.System}, u, events.UserRegistered); err != nil {
		t.Fatal(err)
	}
	qs := mysql.NewQueryFallback(mysql.Pools{Writer: writer.Writer, Reader: lagging.Reader}, nil)
	got, err := qs.User(ctx, u.ID, false)
	if err != nil {
		t.Fatalf("an acknowledged user read through a lagging reader: %v", err)
	}
	if got.ID != u.ID || got.Version != 1 {
		t.Fatalf("got %+v, want user %s at version 1", got, u.ID)
	}
	// A user that is nowhere is still not found (from the writer).
	if _, err := qs.User(ctx, rental.NewID(), false); rental.ErrorCode(err) != rental.ENOTFOUND {
		t.Fatalf("a missing user: want not_found, got %v", err)
	}
}
