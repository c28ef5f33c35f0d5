package mysql_test

import (
	"context"
	"database/sql"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A server without Group Replication's tables is a single server; a user
// who may not read them (rental_w behind ProxySQL before its grant) cannot
// tell, and cannot tell must count as multi-primary, so that no batched
// multi-statement commit reaches a multi-primary group.
func TestMultiPrimary_cannotTellCountsAsMultiPrimary(t *testing.T) {
	ctx := context.Background()
	dsn := testenv.Database(t)
	db, err := mysql.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	multi, err := mysql.MultiPrimary(ctx, db)
	if err != nil || multi {
		t.Fatalf("the test server (no Galera, no Group Replication) is a single server: got multi=%v, %v", multi, err)
	}

	user := testenv.Name("mp")
	if _, err := db.ExecContext(ctx, "CREATE USER '"+user+"'@'%' IDENTIFIED BY 'probe'"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP USER '"+user+"'@'%'") })
	cfg, _ := driver.ParseDSN(dsn)
	if _, err := db.ExecContext(ctx, "GRANT SELECT ON `"+cfg.DBName+"`.* TO '"+user+"'@'%'"); err != nil {
		t.Fatal(err)
	}
	cfg.User, cfg.Passwd = user, "probe"
	limited, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer limited.Close()
	multi, err = mysql.MultiPrimary(ctx, limited)
	if !multi || err == nil {
		t.Fatalf("a user refused the Group Replication tables cannot tell: want multi=true and the error, got %v, %v", multi, err)
	}
}

func TestPing_runsAQueryOnTheServer(t *testing.T) {
	ctx := context.Background()
	db, err := mysql.Open(ctx, testenv.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := mysql.Ping(ctx, db); err != nil {
		t.Fatalf("ping of a live server: %v", err)
	}
	db.Close()
	if err := mysql.Ping(ctx, db); err == nil {
		t.Fatal("ping through a closed pool must fail")
	}
}
