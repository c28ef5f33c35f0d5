package jobs_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/jobs"
	"github.com/zufang/rental/infra/mysql"
)

func TestForgetViewers_keepsTodayAndYesterdayInChina(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	// 20:00 UTC is 04:00 the next day in China: today is the 24th there.
	now := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	listing := uuid.New()
	for i, day := range []string{"2026-11-20", "2026-11-22", "2026-11-23", "2026-11-24"} {
		for range 1 + 1000*(i%2) { // 1,002 old rows: more than one batch
			user := uuid.New()
			if _, err := db.Exec(`INSERT INTO listing_viewers (listing_id, day, user_id) VALUES (?, ?, ?)`, listing[:], day, user[:]); err != nil {
				t.Fatal(err)
			}
		}
	}
	job := jobs.ForgetViewers{Records: mysql.NewViewStore(mysql.NewCommandRunner(db, nil)), Now: func() time.Time { return now },
		Log: slog.New(slog.DiscardHandler)}
	if n, err := job.RunOnce(ctx); err != nil || n != 1002 {
		t.Fatalf("forgot %d (%v), want the 1002 of the 20th and 22nd", n, err)
	}
	var left int
	if err := db.QueryRow(`SELECT COUNT(*) FROM listing_viewers WHERE day >= '2026-11-23'`).Scan(&left); err != nil || left != 1002 {
		t.Fatalf("%d viewers of yesterday and today left (%v), want 1002", left, err)
	}
}
