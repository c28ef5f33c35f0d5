//go:build cluster

package faulttest

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

// galeraDSNs are the MySQL DSNs of the Galera nodes, without a database:
// RENTAL_TEST_GALERA_DSNS=root@tcp(127.0.0.1:3311)/,root@tcp(127.0.0.1:3312)/,root@tcp(127.0.0.1:3313)/
func galeraDSNs(t *testing.T) []string {
	raw := strings.TrimSpace(os.Getenv("RENTAL_TEST_GALERA_DSNS"))
	if raw == "" {
		testenv.SkipOrFail(t, "RENTAL_TEST_GALERA_DSNS is not set: give the comma-separated DSNs (no database) of at least two "+
			"Galera nodes, each writable, to run the multi-primary double-booking test")
	}
	var dsns []string
	for _, d := range strings.Split(raw, ",") {
		if d = strings.TrimSpace(d); d != "" {
			dsns = append(dsns, d)
		}
	}
	if len(dsns) < 2 {
		t.Fatalf("RENTAL_TEST_GALERA_DSNS names %d node; a multi-primary test needs two or more", len(dsns))
	}
	return dsns
}

// TestDoubleBooking_acrossGaleraNodes sends bookings of one listing to
// every node of a multi-primary Galera cluster at once, through one api per
// node. Every booking writes the listing's row (its version), so two
// bookings that overlap cannot both pass certification: the loser's
// transaction is aborted (a deadlock error), retried on the new state, and
// finds the overlap. Exactly one of 200 overlapping requests may succeed;
// non-overlapping ones all succeed (their certification conflicts are
// retried away).
func TestDoubleBooking_acrossGaleraNodes(t *testing.T) {
	dsns := galeraDSNs(t)
	ctx := context.Background()
	dsn0, drop, err := testenv.CreateDatabase(ctx, dsns[0]) // DDL replicates to every node
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	cfg0, err := driver.ParseDSN(dsn0)
	if err != nil {
		t.Fatal(err)
	}
	prefix := testenv.Prefix(t, testenv.RedisAddr())
	var apis []*testenv.System
	var nodes []*sql.DB
	for i, server := range dsns {
		nodeCfg, err := driver.ParseDSN(server)
		if err != nil {
			t.Fatal(err)
		}
		nodeCfg.DBName = cfg0.DBName
		nodeDSN := nodeCfg.FormatDSN()
		workers := -1
		if i == 0 {
			workers = 1
		}
		apis = append(apis, testenv.StartSystem(t, testenv.Options{Workers: workers, Configure: func(c *config.Config) {
			c.MySQLDSN, c.MySQLReadDSN, c.Prefix = nodeDSN, "", prefix
		}}))
		db, err := sql.Open("mysql", nodeDSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		nodes = append(nodes, db)
	}

	landlord, _ := apis[0].Register("galera-owner@example.com", "landlord")
	var tenants []*testenv.Client // one per tenant and node, the same session
	for i := range 6 {
		c, _ := apis[0].Register(fmt.Sprintf("galera-t%d@example.com", i), "tenant")
		for _, a := range apis {
			on := a.Client()
			on.Token = c.Token
			tenants = append(tenants, on)
		}
	}
	var listings []string
	for i := range 6 {
		id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": fmt.Sprintf("G%d", i), "price": 3000,
			"city": "beijing", "district": "haidian", "rent_type": "whole", "area_sqm": 50, "min_months": 1})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		listings = append(listings, id)
	}
	// Every node has the sessions and the published listings before the race.
	testenv.Eventually(t, 30*time.Second, func() string {
		for i, c := range tenants {
			if r := c.Do("GET", "/listings/"+listings[5]+"?min_version=2", nil); r.Status != http.StatusOK {
				return fmt.Sprintf("client %d: %d %s", i, r.Status, r.Body)
			}
		}
		return ""
	})

	today := events.Today(time.Now())
	day := func(n int) string { return today.AddDate(0, 0, n).Format(events.DateLayout) }
	months := func(from string, n int) string {
		d, _ := command.ParseDate(from)
		return command.AddMonths(d, n).Format(events.DateLayout)
	}

	var overlapping []map[string]any
	for i := range 200 {
		start := day(20 + i%30)
		overlapping = append(overlapping, map[string]any{"listing_id": listings[0], "start_date": start, "end_date": months(start, 2+i%3)})
	}
	got := testenv.PostAll(tenants, "/orders", overlapping)
	if got[http.StatusCreated] != 1 || got[http.StatusConflict] != 199 {
		t.Fatalf("across %d nodes: want exactly one 201 and 199 × 409, got %v", len(dsns), got)
	}
	for i, db := range nodes {
		testenv.Eventually(t, 10*time.Second, func() string {
			var n int
			if err := db.QueryRow(`SELECT COUNT(*) FROM orders WHERE listing_id = UNHEX(REPLACE(?, '-', ''))`, listings[0]).Scan(&n); err != nil || n != 1 {
				return fmt.Sprintf("node %d holds %d orders of the listing (%v)", i, n, err)
			}
			return ""
		})
	}

	// Back-to-back months: 11 on one listing (every one conflicts in
	// certification with the others) and 11 on each of four more.
	var free []map[string]any
	first := day(7)
	for _, l := range listings[1:] {
		for m := range 11 {
			free = append(free, map[string]any{"listing_id": l, "start_date": months(first, m), "end_date": months(first, m+1)})
		}
	}
	if got := testenv.PostAll(tenants, "/orders", free); got[http.StatusCreated] != len(free) {
		t.Fatalf("every non-overlapping request succeeds across nodes: %v", got)
	}
}
