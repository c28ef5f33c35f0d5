package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/infra/mysql"
)

// BookingConfig shapes the double-booking guard benchmark.
type BookingConfig struct {
	Duration    time.Duration // per measurement
	Concurrency []int
	StayMonths  []int
}

// Booking measures the two ways the brief offers to make double booking
// impossible on any topology, on scratch tables of the same MariaDB, each in
// the shape the command writer gives every command (two round trips: the
// reads, then the writes with COMMIT):
//
//   - version bump: lock the listing's row (SELECT … FOR UPDATE), look for an
//     overlapping order holding dates, then insert the order and bump the
//     listing's version. The row lock serialises bookings on one node; the
//     write of the row makes certification abort the loser across nodes.
//   - a row per booked day: read the listing, then insert the order and one
//     row per day of the stay under UNIQUE (listing, day); a clash is a
//     duplicate key on any topology. (Cancelling deletes the rows again,
//     which this does not measure.)
//
// Each worker books back-to-back stays on listings of its own, so nothing
// conflicts and only the cost of the guard is measured.
func Booking(ctx context.Context, env *Env, cfg BookingConfig) (Table, error) {
	db, err := mysql.Open(ctx, env.Cfg.MySQLDSN)
	if err != nil {
		return Table{}, err
	}
	defer db.Close()
	for _, ddl := range []string{
		`CREATE TABLE bk_listings (id BIGINT NOT NULL PRIMARY KEY, version BIGINT NOT NULL, title VARCHAR(100) NOT NULL)`,
		`CREATE TABLE bk_orders (id BINARY(16) NOT NULL PRIMARY KEY, listing_id BIGINT NOT NULL, status VARCHAR(16) NOT NULL,
			start_date DATE NOT NULL, end_date DATE NOT NULL, KEY ix (listing_id, end_date, start_date, status))`,
		`CREATE TABLE bk_days (listing_id BIGINT NOT NULL, day DATE NOT NULL, order_id BINARY(16) NOT NULL,
			PRIMARY KEY (listing_id, day))`,
	} {
		if _, err := db.ExecContext(ctx, ddl); err != nil {
			return Table{}, fmt.Errorf("creating the benchmark tables: %w", err)
		}
	}
	t := Table{
		Title:  fmt.Sprintf("Double-booking guard: orders/s by stay length and concurrency (%s each, no conflicts)", cfg.Duration),
		Header: []string{"guard", "stay", "clients", "orders/s", "p50", "p99", "rows written per order"},
	}
	nextListing := atomic.Int64{}
	for _, months := range cfg.StayMonths {
		for _, clients := range cfg.Concurrency {
			for _, guard := range []string{"version bump", "row per day"} {
				// Fresh listings per run: each run starts on empty calendars.
				first := nextListing.Add(int64(clients)) - int64(clients)
				if err := seedBookingListings(ctx, db, first, clients); err != nil {
					return Table{}, err
				}
				n, lat, took, err := runBookings(ctx, db, guard, first, clients, months, cfg.Duration)
				if err != nil {
					return Table{}, fmt.Errorf("%s, %d months, %d clients: %w", guard, months, clients, err)
				}
				rows, err := rowsWritten(ctx, db, first, clients)
				if err != nil {
					return Table{}, err
				}
				p := percentiles(lat)
				t.Add(guard, fmt.Sprintf("%d months", months), clients, float64(n)/took.Seconds(), p[0], p[2],
					fmt.Sprintf("%.1f", float64(rows)/float64(max(n, 1))))
				time.Sleep(time.Second)
			}
		}
	}
	t.Notes = append(t.Notes, "Both guards run as the command writer runs every command: the reads (with START TRANSACTION) in one round trip, the writes and COMMIT in a second.",
		"orders/s is the orders booked over the time the run took (from its start to its last commit); rows written per order is counted in the tables after each run: the orders, the day rows and the listing versions bumped, over the orders booked.")
	return t, nil
}

func seedBookingListings(ctx context.Context, db *sql.DB, first int64, n int) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO bk_listings (id, version, title) VALUES `)
	args := make([]any, 0, 3*n)
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, 1, ?)")
		args = append(args, first+int64(i), "listing")
	}
	_, err := db.ExecContext(ctx, q.String(), args...)
	return err
}

// rowsWritten counts the rows the runs on listings first … first+n-1 wrote:
// their orders, their day rows and their listings' version bumps.
func rowsWritten(ctx context.Context, db *sql.DB, first int64, n int) (int64, error) {
	last := first + int64(n) - 1
	var orders, days, bumps int64
	err := db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM bk_orders WHERE listing_id BETWEEN ? AND ?),
		(SELECT COUNT(*) FROM bk_days WHERE listing_id BETWEEN ? AND ?),
		(SELECT COALESCE(SUM(version - 1), 0) FROM bk_listings WHERE id BETWEEN ? AND ?)`,
		first, last, first, last, first, last).Scan(&orders, &days, &bumps)
	if err != nil {
		return 0, fmt.Errorf("counting the rows written: %w", err)
	}
	return orders + days + bumps, nil
}

// runBookings books back-to-back stays for a while, one client per listing,
// and returns how many, their latencies and how long it took (the last
// booking ends after d).
func runBookings(ctx context.Context, db *sql.DB, guard string, first int64, clients, months int, d time.Duration) (int, []time.Duration, time.Duration, error) {
	var (
		mu    sync.Mutex
		lat   []time.Duration
		total int
		wg    sync.WaitGroup
		errs  = make(chan error, clients)
	)
	begun := time.Now()
	deadline := begun.Add(d)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			listing := first + int64(c)
			start := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
			var mine []time.Duration
			for time.Now().Before(deadline) {
				end := start.AddDate(0, months, 0)
				t0 := time.Now()
				if err := book(ctx, db, guard, listing, start, end); err != nil {
					errs <- err
					return
				}
				mine = append(mine, time.Since(t0))
				start = end
			}
			mu.Lock()
			lat = append(lat, mine...)
			total += len(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	took := time.Since(begun)
	select {
	case err := <-errs:
		return 0, nil, 0, err
	default:
	}
	return total, lat, took, nil
}

func book(ctx context.Context, db *sql.DB, guard string, listing int64, start, end time.Time) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	id := uuid.Must(uuid.NewV7())
	s, e := start.Format("2006-01-02"), end.Format("2006-01-02")
	var reads, writes string
	var readArgs, writeArgs []any
	switch guard {
	case "version bump":
		reads = `START TRANSACTION; SELECT version, title FROM bk_listings WHERE id = ? FOR UPDATE;
			SELECT COUNT(*) FROM bk_orders WHERE listing_id = ? AND start_date < ? AND end_date > ? AND status IN ('a', 'b', 'c', 'd')`
		readArgs = []any{listing, listing, e, s}
		writes = `INSERT INTO bk_orders (id, listing_id, status, start_date, end_date) VALUES (?, ?, 'a', ?, ?);
			UPDATE bk_listings SET version = version + 1 WHERE id = ?; COMMIT`
		writeArgs = []any{id[:], listing, s, e, listing}
	default:
		reads = `START TRANSACTION; SELECT version, title FROM bk_listings WHERE id = ?`
		readArgs = []any{listing}
		var q strings.Builder
		q.WriteString(`INSERT INTO bk_orders (id, listing_id, status, start_date, end_date) VALUES (?, ?, 'a', ?, ?);
			INSERT INTO bk_days (listing_id, day, order_id) VALUES `)
		writeArgs = []any{id[:], listing, s, e}
		for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
			if day.After(start) {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			writeArgs = append(writeArgs, listing, day.Format("2006-01-02"), id[:])
		}
		q.WriteString("; COMMIT")
		writes = q.String()
	}
	rows, err := conn.QueryContext(ctx, reads, readArgs...)
	if err != nil {
		return err
	}
	for {
		for rows.Next() {
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, writes, writeArgs...); err != nil {
		_, _ = conn.ExecContext(ctx, "ROLLBACK")
		return err
	}
	return nil
}
