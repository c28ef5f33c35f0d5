package mysql_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A command whose commit batch fails (here on a unique key) must not leave
// its connection in the pool with the transaction open: the locks the failed
// statement took (a duplicate-key check takes a next-key lock, even under
// READ COMMITTED) would stall other commands until the connection is reused.
func TestCommandRunner_aFailedCommitLeavesNoTransactionOpen(t *testing.T) {
	dsn := testenv.Database(t)
	db, err := mysql.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cfg, _ := driver.ParseDSN(dsn)
	users := mysql.NewUserStore(mysql.NewCommandRunner(db, nil))
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	register := func(email string) error {
		u, _, err := command.NewUser(rental.NewID(), email, "", "hash", "n", nil, now)
		if err != nil {
			t.Fatal(err)
		}
		_, err = users.Create(ctx, command.Meta{Actor: rental.System}, u, events.UserRegistered)
		return err
	}
	if err := register("taken@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := register("taken@example.com"); rental.ErrorCode(err) != rental.ECONFLICT {
		t.Fatalf("a taken email is a conflict, got %v", err)
	}
	var open int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.INNODB_TRX t
		JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id WHERE p.DB = ?`, cfg.DBName).Scan(&open); err != nil {
		t.Fatal(err)
	}
	if open != 0 {
		t.Fatalf("%d transactions left open on the database after the failed command", open)
	}
}

// A command whose id an earlier commit recorded, found only at its own
// commit (a command that reads nothing records its id there): the duplicate
// key rolls it back, and the earlier commit's result is the answer, or, for
// another request under the same Idempotency-Key, a conflict naming it.
// Nothing is applied twice.
func TestCommandRunner_aDuplicateFoundAtCommitAnswersTheEarlierResult(t *testing.T) {
	db, err := mysql.Open(context.Background(), testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var published int
	users := mysql.NewUserStore(mysql.NewCommandRunner(db, func(evs []events.Envelope) { published += len(evs) }))
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	id := rental.NewID()
	fingerprint := func(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] } // as the API's
	register := func(email string, hash []byte) (command.Result, error) {
		u, _, err := command.NewUser(rental.NewID(), email, "", "hash", "n", nil, now)
		if err != nil {
			t.Fatal(err)
		}
		return users.Create(ctx, command.Meta{Actor: rental.System, CommandID: id, RequestHash: hash}, u, events.UserRegistered)
	}
	first, err := register("first@example.com", fingerprint("request-1"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := register("second@example.com", fingerprint("request-1"))
	if err != nil || again != first {
		t.Fatalf("the repeat answers the first result %+v, got %+v %v", first, again, err)
	}
	if _, err := register("third@example.com", fingerprint("request-2")); rental.ErrorCode(err) != rental.ECONFLICT ||
		rental.ErrorFields(err)["Idempotency-Key"] == "" {
		t.Fatalf("another request under the same key is a conflict naming it, got %v", err)
	}
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil || n != 1 || published != 1 {
		t.Fatalf("the command applied once: %d users, %d events published (%v)", n, published, err)
	}
}
