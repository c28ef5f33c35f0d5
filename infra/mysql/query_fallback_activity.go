package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// The MySQL answers of the order, activity and discovery queries
// (query.OrderFallback, query.ActivityFallback, query.DiscoveryFallback).

func (s QueryFallback) Order(ctx context.Context, id uuid.UUID, fresh bool) (events.OrderState, error) {
	var o *command.Order
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		var err error
		o, err = oneOrder(db.QueryContext(ctx, `SELECT `+orderColumns+` FROM orders WHERE id = ?`, id[:]))
		return err
	})
	if err != nil {
		return events.OrderState{}, fmt.Errorf("reading order %s: %w", id, err)
	}
	if o == nil {
		return events.OrderState{}, orderNotFound(id)
	}
	return o.State(), nil
}

func (s QueryFallback) Orders(ctx context.Context, ids []uuid.UUID) ([]events.OrderState, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := s.orders(ctx, false, `SELECT `+orderColumns+` FROM orders WHERE id IN (`+placeholders(len(ids))+`)`, idArgs(ids))
	if err != nil {
		return nil, err
	}
	return inOrder(ids, found, func(st events.OrderState) uuid.UUID { return st.ID }), nil
}

func (s QueryFallback) orders(ctx context.Context, fresh bool, q string, args []any) ([]events.OrderState, error) {
	var out []events.OrderState
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		os, err := scanOrders(db.QueryContext(ctx, q, args...))
		out = orderStates(os)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading orders: %w", err)
	}
	return out, nil
}

func (s QueryFallback) UserOrders(ctx context.Context, user uuid.UUID, role, status string, offset, limit int, fresh bool) ([]events.OrderState, int, error) {
	cond, args := "tenant_id = ?", []any{user[:]}
	if role == query.RoleLandlord {
		cond = "landlord_id = ?"
	}
	if status != "" {
		cond += " AND status = ?"
		args = append(args, status)
	}
	var total int
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE `+cond, args...).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("counting orders of %s: %w", user, err)
	}
	page, err := s.orders(ctx, fresh, `SELECT `+orderColumns+` FROM orders WHERE `+cond+` ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
		append(args, limit, offset))
	return page, total, err
}

func (s QueryFallback) BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]query.BookedRange, error) {
	out := []query.BookedRange{}
	err := s.read(ctx, false, func(db *sql.DB) error {
		out = out[:0]
		rows, err := db.QueryContext(ctx, `SELECT id, start_date, end_date FROM orders WHERE listing_id = ? AND start_date < ?
			AND end_date > ? AND `+holdsDatesSQL("")+` ORDER BY start_date, end_date, id`,
			append([]any{listing[:], date(to), date(from)}, blockingStatuses...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r query.BookedRange
			if err := rows.Scan(&r.OrderID, &r.Start, &r.End); err != nil {
				return err
			}
			out = append(out, r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("reading booked ranges of %s: %w", listing, err)
	}
	return out, nil
}

func (s QueryFallback) Reviews(ctx context.Context, listing uuid.UUID, offset, limit int) ([]events.ReviewState, int, error) {
	var total int
	err := s.read(ctx, false, func(db *sql.DB) error {
		return db.QueryRowContext(ctx, `SELECT COUNT(*) FROM orders WHERE listing_id = ? AND rating IS NOT NULL`, listing[:]).Scan(&total)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("counting reviews of %s: %w", listing, err)
	}
	states, err := s.orders(ctx, false, `SELECT `+orderColumns+` FROM orders WHERE listing_id = ? AND rating IS NOT NULL
		ORDER BY reviewed_at DESC, id DESC LIMIT ? OFFSET ?`, []any{listing[:], limit, offset})
	if err != nil {
		return nil, 0, err
	}
	out := make([]events.ReviewState, 0, len(states))
	for _, st := range states {
		out = append(out, *st.Review)
	}
	return out, total, nil
}

func (s QueryFallback) ListingViews(ctx context.Context, listing uuid.UUID) (int64, error) {
	var n int64
	err := s.read(ctx, false, func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, `SELECT views FROM listing_views WHERE listing_id = ?`, listing[:]).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			n, err = 0, nil
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("reading views of %s: %w", listing, err)
	}
	return n, nil
}

func (s QueryFallback) Favorited(ctx context.Context, user, listing uuid.UUID) (bool, error) {
	var active bool
	err := s.read(ctx, false, func(db *sql.DB) error {
		err := db.QueryRowContext(ctx, `SELECT active FROM favorites WHERE user_id = ? AND listing_id = ?`, user[:], listing[:]).Scan(&active)
		if errors.Is(err, sql.ErrNoRows) {
			active, err = false, nil
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("reading favorite %s/%s: %w", user, listing, err)
	}
	return active, nil
}

func (s QueryFallback) Favorites(ctx context.Context, user uuid.UUID, offset, limit int, fresh bool) ([]uuid.UUID, int, error) {
	var total int
	var ids []uuid.UUID
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM favorites WHERE user_id = ? AND active`, user[:]).Scan(&total); err != nil {
			return err
		}
		rows, err := db.QueryContext(ctx, `SELECT listing_id FROM favorites WHERE user_id = ? AND active
			ORDER BY favorited_at DESC, listing_id DESC LIMIT ? OFFSET ?`, user[:], limit, offset)
		if err != nil {
			return err
		}
		ids, err = scanIDs(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading favorites of %s: %w", user, err)
	}
	return ids, total, nil
}

func (s QueryFallback) History(ctx context.Context, user uuid.UUID, fresh bool) (events.HistoryState, error) {
	h := command.NewHistory(user)
	err := s.read(ctx, fresh, func(db *sql.DB) error {
		err := scanHistory(db.QueryRowContext(ctx, `SELECT user_id, version, items FROM view_history WHERE user_id = ?`, user[:]), h)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return events.HistoryState{}, fmt.Errorf("reading history of %s: %w", user, err)
	}
	return h.State(), nil
}

func (s QueryFallback) TopListings(ctx context.Context, by string, limit int) ([]events.ListingState, error) {
	q := `SELECT ` + listingColumns + ` FROM listings WHERE status = ? ORDER BY published_at DESC, id DESC LIMIT ?`
	switch by {
	case query.TopBooked:
		q = `SELECT ` + listingColumns + ` FROM listings WHERE status = ? ORDER BY bookings DESC, id DESC LIMIT ?`
	case query.TopViewed:
		q = `SELECT ` + listingColumns + ` FROM listings WHERE status = ? AND id IN (SELECT listing_id FROM
			(SELECT listing_id FROM listing_views ORDER BY views DESC, listing_id DESC LIMIT 200) top)
			ORDER BY (SELECT views FROM listing_views v WHERE v.listing_id = listings.id) DESC, id DESC LIMIT ?`
	}
	return s.listings(ctx, q, []any{events.StatusPublished, limit})
}

func (s QueryFallback) NearPrice(ctx context.Context, city, district string, price int64, limit int) ([]events.ListingState, error) {
	return s.listings(ctx, `SELECT `+listingColumns+` FROM listings WHERE status = ? AND city = ? AND district = ?
		ORDER BY ABS(price - ?), id LIMIT ?`, []any{events.StatusPublished, city, district, price, limit})
}

func (s QueryFallback) Suggest(ctx context.Context, q string, limit int) ([]query.NameCount, []query.NameCount, error) {
	var blocks, titles []query.NameCount
	err := s.read(ctx, false, func(db *sql.DB) error {
		var err error
		if blocks, err = nameCounts(ctx, db, "block", q, limit); err != nil {
			return err
		}
		titles, err = nameCounts(ctx, db, "title", q, limit)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("suggesting %q: %w", q, err)
	}
	return blocks, titles, nil
}

// nameCounts counts the published listings per value of column (block or
// title) that contains q, most first.
func nameCounts(ctx context.Context, db *sql.DB, column, q string, limit int) ([]query.NameCount, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+column+`, COUNT(*) n FROM listings WHERE status = ? AND `+column+` <> ''
		AND INSTR(LOWER(`+column+`), ?) > 0 GROUP BY `+column+` ORDER BY n DESC, `+column+` LIMIT ?`, events.StatusPublished, q, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []query.NameCount{}
	for rows.Next() {
		var nc query.NameCount
		if err := rows.Scan(&nc.Name, &nc.Count); err != nil {
			return nil, err
		}
		out = append(out, nc)
	}
	return out, rows.Err()
}

func (s QueryFallback) DistrictStats(ctx context.Context, city, district string) (query.ChartData, error) {
	var st query.ChartData
	err := s.read(ctx, false, func(db *sql.DB) error {
		st = query.ChartData{Bedrooms: map[int]int64{}, PriceSums: map[int]int64{}, Points: []query.PricePoint{},
			Communities: []query.NameCount{}}
		rows, err := db.QueryContext(ctx, `SELECT area_sqm, price, bedrooms FROM listings WHERE status = ? AND city = ? AND district = ?
			ORDER BY area_sqm, id`, events.StatusPublished, city, district)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p query.PricePoint
			var beds int
			if err := rows.Scan(&p.AreaSqm, &p.Price, &beds); err != nil {
				return err
			}
			st.Points = append(st.Points, p)
			st.Bedrooms[beds]++
			st.PriceSums[beds] += p.Price
		}
		if err := rows.Err(); err != nil {
			return err
		}
		comm, err := db.QueryContext(ctx, `SELECT community, COUNT(*) n FROM listings WHERE status = ? AND city = ? AND district = ?
			AND community <> '' GROUP BY community ORDER BY n DESC, community DESC LIMIT ?`, events.StatusPublished, city, district, query.TopCommunities)
		if err != nil {
			return err
		}
		defer comm.Close()
		for comm.Next() {
			var nc query.NameCount
			if err := comm.Scan(&nc.Name, &nc.Count); err != nil {
				return err
			}
			st.Communities = append(st.Communities, nc)
		}
		return comm.Err()
	})
	if err != nil {
		return query.ChartData{}, fmt.Errorf("reading the charts of %s/%s: %w", city, district, err)
	}
	return st, nil
}
