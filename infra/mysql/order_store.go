package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
)

// OrderStore implements command.OrderStore.
type OrderStore struct {
	w   *CommandRunner
	cat *rental.Catalog
}

// NewOrderStore returns an OrderStore writing through w.
func NewOrderStore(w *CommandRunner, cat *rental.Catalog) OrderStore {
	return OrderStore{w: w, cat: cat}
}

// blockingStatuses are the statuses events.OrderBlocks names, as SQL
// arguments for holdsDatesSQL.
var blockingStatuses = func() []any {
	var out []any
	for _, s := range events.OrderStatuses {
		if events.OrderBlocks(s) {
			out = append(out, s)
		}
	}
	return out
}()

// holdsDatesSQL is the condition "the order holds its dates" (arguments:
// blockingStatuses); prefix names the orders table's alias ("" or "o.").
func holdsDatesSQL(prefix string) string {
	return prefix + "status IN (" + placeholders(len(blockingStatuses)) + ")"
}

// overlapSQL finds whether an order holding dates overlaps [?, ?) of a listing.
var overlapSQL = `SELECT COUNT(*) FROM orders WHERE listing_id = ? AND start_date < ? AND end_date > ?
	AND ` + holdsDatesSQL("")

// Book locks the listing, then (in the same round trip, after the lock is
// held) looks for an overlapping order that holds dates. The write then
// bumps the listing's version: on one node the row lock makes the next
// booking of the listing wait for this one and see its order; across the
// nodes of a multi-primary cluster two bookings that both wrote the row
// cannot both pass certification, and the loser retries on the new state.
func (s OrderStore) Book(ctx context.Context, meta command.Meta, listingID uuid.UUID, stay command.Stay,
	fn func(l *command.Listing, free bool) (*command.Order, events.Type, events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		args := append([]any{listingID[:], listingID[:], date(stay.End), date(stay.Start)}, blockingStatuses...)
		rows, err := tx.Query(ctx, `SELECT `+listingColumns+` FROM listings WHERE id = ? FOR UPDATE; `+overlapSQL, args...)
		if err != nil {
			return change{}, fmt.Errorf("locking listing %s: %w", listingID, err)
		}
		l, overlapping, err := listingAndCount(rows)
		if err != nil {
			return change{}, fmt.Errorf("locking listing %s: %w", listingID, err)
		}
		o, placedEv, bookedEv, err := fn(l, overlapping == 0)
		if err != nil {
			return change{}, err
		}
		o.Version = 1
		l.Version++
		insertOrder(tx, o)
		// Only the version and the count change: a narrow update is cheaper
		// than rewriting the listing, and the write of the row is what
		// serialises bookings across nodes.
		tx.Exec(nil, `UPDATE listings SET version = ?, bookings = ? WHERE id = ?`, l.Version, l.Bookings, l.ID[:])
		placed, err := newEvent(placedEv, events.AggregateOrder, o.ID, o.Version, o.State(), meta, o.CreatedAt)
		if err != nil {
			return change{}, err
		}
		booked, err := newEvent(bookedEv, events.AggregateListing, l.ID, l.Version, l.State(s.cat), meta, o.CreatedAt)
		if err != nil {
			return change{}, err
		}
		return change{result: command.Result{ID: o.ID, Version: o.Version, Status: o.Status}, events: []events.Envelope{placed, booked}}, nil
	})
}

// listingAndCount reads a listing (or none) and, from the next result set, a count.
func listingAndCount(rows *sql.Rows) (*command.Listing, int, error) {
	defer rows.Close()
	var l *command.Listing
	for rows.Next() {
		var err error
		if l, err = scanListing(rows); err != nil {
			return nil, 0, err
		}
	}
	if err := nextSet(rows, "a count after the listing"); err != nil {
		return nil, 0, err
	}
	var n int
	for rows.Next() {
		if err := rows.Scan(&n); err != nil {
			return nil, 0, err
		}
	}
	return l, n, rows.Err()
}

func (s OrderStore) Update(ctx context.Context, meta command.Meta, id uuid.UUID, fn func(*command.Order) (events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		o, err := oneOrder(tx.Query(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ? FOR UPDATE`, id[:]))
		if err != nil {
			return change{}, fmt.Errorf("locking order %s: %w", id, err)
		}
		if o == nil {
			return change{}, orderNotFound(id)
		}
		ev, err := fn(o)
		if err != nil {
			return change{}, err
		}
		o.Version++
		updateOrder(tx, o)
		env, err := newEvent(ev, events.AggregateOrder, o.ID, o.Version, o.State(), meta, o.UpdatedAt)
		if err != nil {
			return change{}, err
		}
		return change{result: command.Result{ID: o.ID, Version: o.Version}, events: []events.Envelope{env}}, nil
	})
}

// UpdateWithListing locks the order and its listing in one round trip (order
// first, as every order command does; bookings lock only the listing, so no
// cycle).
func (s OrderStore) UpdateWithListing(ctx context.Context, meta command.Meta, id uuid.UUID,
	fn func(*command.Order, *command.Listing) (events.Type, events.Type, error)) (command.Result, error) {
	return s.w.run(ctx, meta, func(tx *Tx) (change, error) {
		rows, err := tx.Query(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ? FOR UPDATE;
			SELECT `+listingColumns+` FROM listings WHERE id = (SELECT listing_id FROM orders WHERE id = ?) FOR UPDATE`, id[:], id[:])
		if err != nil {
			return change{}, fmt.Errorf("locking order %s: %w", id, err)
		}
		o, l, err := orderAndListing(rows)
		if err != nil {
			return change{}, fmt.Errorf("locking order %s: %w", id, err)
		}
		if o == nil {
			return change{}, orderNotFound(id)
		}
		oev, lev, err := fn(o, l)
		if err != nil {
			return change{}, err
		}
		o.Version++
		updateOrder(tx, o)
		env, err := newEvent(oev, events.AggregateOrder, o.ID, o.Version, o.State(), meta, o.UpdatedAt)
		if err != nil {
			return change{}, err
		}
		c := change{result: command.Result{ID: o.ID, Version: o.Version}, events: []events.Envelope{env}}
		if lev != "" {
			l.Version++
			tx.Exec(nil, `UPDATE listings SET version = ?, bookings = ?, rating_sum = ?, rating_count = ? WHERE id = ?`,
				l.Version, l.Bookings, l.RatingSum, l.RatingCount, l.ID[:])
			lenv, err := newEvent(lev, events.AggregateListing, l.ID, l.Version, l.State(s.cat), meta, o.UpdatedAt)
			if err != nil {
				return change{}, err
			}
			c.events = append(c.events, lenv)
		}
		return c, nil
	})
}

func orderAndListing(rows *sql.Rows) (*command.Order, *command.Listing, error) {
	defer rows.Close()
	var o *command.Order
	for rows.Next() {
		var err error
		if o, err = scanOrder(rows); err != nil {
			return nil, nil, err
		}
	}
	if err := nextSet(rows, "the listing after the order"); err != nil {
		return nil, nil, err
	}
	var l *command.Listing
	for rows.Next() {
		var err error
		if l, err = scanListing(rows); err != nil {
			return nil, nil, err
		}
	}
	return o, l, rows.Err()
}

// DueStays lists paid orders whose stay ended on or before day (jobs.Stays).
func (s OrderStore) DueStays(ctx context.Context, day time.Time, limit int) ([]uuid.UUID, error) {
	rows, err := s.w.db.QueryContext(ctx, `SELECT id FROM orders WHERE status = ? AND end_date <= ? ORDER BY end_date, id LIMIT ?`,
		events.OrderStatusPaid, date(day), limit)
	if err != nil {
		return nil, fmt.Errorf("finding stays that are over: %w", err)
	}
	return scanIDs(rows)
}

// scanIDs reads a column of ids and closes rows.
func scanIDs(rows *sql.Rows) ([]uuid.UUID, error) {
	defer rows.Close()
	ids := []uuid.UUID{}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func orderNotFound(id uuid.UUID) error {
	return rental.Errorf(rental.ENOTFOUND, "order %s not found", id)
}

const orderColumns = `id, version, listing_id, tenant_id, landlord_id, status, start_date, end_date, months, days,
	monthly_price, amount, listing_title, city, district, reject_reason, rating, review, reviewed_at, created_at, updated_at`

// date is how a calendar date goes to a DATE column.
func date(t time.Time) string { return t.Format(events.DateLayout) }

func orderArgs(o *command.Order) []any {
	var rating, review, reviewed any
	if r := o.Rating; r != nil {
		rating, review, reviewed = r.Rating, r.Content, r.CreatedAt.UTC()
	}
	return []any{o.Version, o.ListingID[:], o.TenantID[:], o.LandlordID[:], o.Status, date(o.Stay.Start), date(o.Stay.End),
		o.Stay.Months, o.Stay.Days, o.MonthlyPrice, o.Amount, o.ListingTitle, o.City, o.District, o.RejectReason,
		rating, review, reviewed, o.CreatedAt.UTC(), o.UpdatedAt.UTC()}
}

func insertOrder(tx *Tx, o *command.Order) {
	tx.Exec(nil, `INSERT INTO orders (`+orderColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		append([]any{o.ID[:]}, orderArgs(o)...)...)
}

func updateOrder(tx *Tx, o *command.Order) {
	tx.Exec(nil, `UPDATE orders SET version = ?, listing_id = ?, tenant_id = ?, landlord_id = ?, status = ?,
		start_date = ?, end_date = ?, months = ?, days = ?, monthly_price = ?, amount = ?, listing_title = ?, city = ?,
		district = ?, reject_reason = ?, rating = ?, review = ?, reviewed_at = ?, created_at = ?, updated_at = ? WHERE id = ?`,
		append(orderArgs(o), o.ID[:])...)
}

func scanOrder(row scanner) (*command.Order, error) {
	o := &command.Order{}
	var rating sql.NullInt64
	var review sql.NullString
	var reviewed sql.NullTime
	err := row.Scan(&o.ID, &o.Version, &o.ListingID, &o.TenantID, &o.LandlordID, &o.Status, &o.Stay.Start, &o.Stay.End,
		&o.Stay.Months, &o.Stay.Days, &o.MonthlyPrice, &o.Amount, &o.ListingTitle, &o.City, &o.District, &o.RejectReason,
		&rating, &review, &reviewed, &o.CreatedAt, &o.UpdatedAt)
	if err != nil {
		return nil, err
	}
	if rating.Valid {
		o.Rating = &events.ReviewState{OrderID: o.ID, ListingID: o.ListingID, Rating: int(rating.Int64),
			Content: review.String, CreatedAt: reviewed.Time}
	}
	return o, nil
}

// oneOrder reads the single order a query found, or nil.
func oneOrder(rows *sql.Rows, err error) (*command.Order, error) {
	os, err := scanOrders(rows, err)
	if err != nil || len(os) == 0 {
		return nil, err
	}
	return os[0], nil
}

func scanOrders(rows *sql.Rows, err error) ([]*command.Order, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*command.Order
	for rows.Next() {
		o, err := scanOrder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
