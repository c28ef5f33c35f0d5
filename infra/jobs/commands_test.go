package jobs_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/jobs"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// openDB opens a database of the test's own, migrated, closed at the end.
func openDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestForgetCommands_forgetsOnlyRecordsOlderThanTheWindowAndNotKept(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	ages := []time.Duration{72 * time.Hour, 25 * time.Hour, 23 * time.Hour, time.Minute}
	for i := range 2500 { // more than one batch of old records
		age := ages[i%2]
		if i >= 2400 {
			age = ages[2+i%2]
		}
		id := uuid.New()
		if _, err := db.Exec(`INSERT INTO command_dedup (id, result, created_at) VALUES (?, '{}', ?)`, id[:], now.Add(-age)); err != nil {
			t.Fatal(err)
		}
	}
	for range 50 { // kept records (rentalctl import's) outlive the window
		id := uuid.New()
		if _, err := db.Exec(`INSERT INTO command_dedup (id, result, created_at, keep) VALUES (?, '{}', ?, TRUE)`, id[:], now.Add(-ages[0])); err != nil {
			t.Fatal(err)
		}
	}
	job := jobs.ForgetCommands{Records: mysql.NewCommandRunner(db, nil), Now: func() time.Time { return now },
		Log: slog.New(slog.DiscardHandler)}
	n, err := job.RunOnce(ctx)
	if err != nil || n != 2400 {
		t.Fatalf("forgot %d (%v), want the 2400 older than a day", n, err)
	}
	var left int
	if err := db.QueryRow(`SELECT COUNT(*) FROM command_dedup`).Scan(&left); err != nil || left != 150 {
		t.Fatalf("%d records left (%v), want the 100 of the last day and the 50 kept", left, err)
	}
}
