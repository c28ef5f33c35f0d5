package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A command that cannot finish (here its listing row is locked by another
// transaction, as a MySQL node cut off mid-command would hold it) answers
// within RENTAL_COMMAND_TIMEOUT: 503 with Retry-After, never a hang. Sent
// again with the same Idempotency-Key once MySQL is free, it takes effect
// exactly once (issue 13: a command must answer within a bound).
func TestCommandDeadline_aStalledCommandAnswers503AndARetryAppliesOnce(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.CommandTimeout = time.Second
	}})
	landlord, _ := sys.Register("deadline@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("会卡住的房源", 3000), "Idempotency-Key", uuid.NewString())["id"].(string)

	ctx := context.Background()
	db, err := mysql.Open(ctx, sys.Config.MySQLDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hold, err := db.BeginTx(ctx, &sql.TxOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	lid := uuid.MustParse(id)
	var v int64
	if err := hold.QueryRowContext(ctx, `SELECT version FROM listings WHERE id = ? FOR UPDATE`, lid[:]).Scan(&v); err != nil {
		t.Fatal(err)
	}

	key := uuid.NewString()
	edit := map[string]any{"price": 3200}
	r := landlord.Do("PATCH", "/listings/"+id, edit, "Idempotency-Key", key)
	if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" {
		t.Fatalf("a stalled command: %d %s (Retry-After %q), want 503 with Retry-After", r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}

	got := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, edit, "Idempotency-Key", key)
	again := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, edit, "Idempotency-Key", key)
	if got["version"] != float64(2) || again["version"] != float64(2) {
		t.Fatalf("the retried edit: versions %v and %v, want 2 (applied once)", got["version"], again["version"])
	}
	var events int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM event_log WHERE aggregate_id = ?`, lid[:]).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != 2 {
		t.Fatalf("event_log holds %d events of the listing, want 2 (created, edited once)", events)
	}
}
