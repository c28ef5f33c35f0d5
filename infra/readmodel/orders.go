package readmodel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// The orders read model. Keys under P rm:orders:g: (g its generation):
//
//	order:<id>                              hash v, d (events.OrderState JSON), s (status), o (tenant)
//	ix:orders:<role>:<user>:<status|all>    zset of order ids by creation time (role tenant | landlord)
//	booked:<listing>                        zset "<start>|<end>|<order>" by start day: stays holding dates
//	bm:a:c:<day>, bm:a:e:<day>, bm:a:s<k>:<block>  bitmaps of listings by ordinal: held on a day, a stay
//	                                        ending on a day, starting in a block of 2^k days (put.lua, search.go)
//	reviews:<listing>                       zset of reviewed order ids by review time
//	reviewdoc                               hash order id → events.ReviewState JSON
//
// Days are day numbers (events.Day). Every entry belongs to the order's
// document and moves with its version (put.lua): a stay leaves the booked
// sets when its order is rejected or canceled, whatever the delivery order.

// orderWrite is what the orders read model holds for an order in state st
// (PutOrder writes it, a check expects it).
func (s *Store) orderWrite(st *events.OrderState) (write, error) {
	entries, err := orderEntries(*st)
	if err != nil {
		return write{}, err
	}
	return write{projection: Orders, suffix: "order:" + st.ID.String(), version: st.Version, status: st.Status,
		owner: st.TenantID.String(), notice: docNotice(NoticeOrder, st.ID, st.Version, orderSummary(*st)), entries: entries}, nil
}

func orderEntries(st events.OrderState) ([]entry, error) {
	id := st.ID.String()
	created := float64(st.CreatedAt.UnixMilli())
	var out []entry
	for _, who := range []struct{ role, user string }{{query.RoleTenant, st.TenantID.String()}, {query.RoleLandlord, st.LandlordID.String()}} {
		prefix := "ix:orders:" + who.role + ":" + who.user + ":"
		out = append(out, sorted(prefix+"all", created, id), sorted(prefix+st.Status, created, id))
	}
	if events.OrderBlocks(st.Status) {
		start, end, err := stayDays(st)
		if err != nil {
			return nil, err
		}
		stay := strconv.FormatInt(start, 10) + "|" + strconv.FormatInt(end, 10) + "|" + id
		// The stay entry makes put.lua compute the listing's availability
		// bitmaps again from booked:<listing> (search.go).
		out = append(out, sorted("booked:"+st.ListingID.String(), float64(start), stay),
			entry{suffix: "@bm:a", member: st.ListingID.String(), value: strconv.FormatInt(start, 10) + "|" + strconv.FormatInt(end, 10)})
	}
	if st.Review != nil {
		review, err := json.Marshal(st.Review)
		if err != nil {
			return nil, fmt.Errorf("encoding review of order %s: %w", st.ID, err)
		}
		out = append(out, sorted("reviews:"+st.ListingID.String(), float64(st.Review.CreatedAt.UnixMilli()), id),
			entry{suffix: "=reviewdoc", member: id, value: string(review)})
	}
	return out, nil
}

func stayDays(st events.OrderState) (int64, int64, error) {
	start, err := time.Parse(events.DateLayout, st.StartDate)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: order %s start_date %q", events.ErrMalformed, st.ID, st.StartDate)
	}
	end, err := time.Parse(events.DateLayout, st.EndDate)
	if err != nil {
		return 0, 0, fmt.Errorf("%w: order %s end_date %q", events.ErrMalformed, st.ID, st.EndDate)
	}
	return events.Day(start), events.Day(end), nil
}

func (s *Store) Order(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, Orders, "order:"+id.String())
}

func (s *Store) Orders(ctx context.Context, ids []uuid.UUID) ([]query.Doc, error) {
	return s.docs(ctx, Orders, "order:", ids)
}

// docs reads documents of one projection in one pipeline, in the order of
// ids; a missing one is the zero Doc.
func (s *Store) docs(ctx context.Context, projection, kind string, ids []uuid.UUID) ([]query.Doc, error) {
	base, err := s.base(ctx, projection)
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*goredis.SliceCmd, len(ids))
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		for i, id := range ids {
			cmds[i] = pipe.HMGet(ctx, base+kind+id.String(), docFields...)
		}
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading %d %s documents: %w", len(ids), projection, err)
	}
	out := make([]query.Doc, len(ids))
	for i, c := range cmds {
		out[i], _ = parseDoc(c.Val())
	}
	return out, nil
}

func (s *Store) UserOrders(ctx context.Context, user uuid.UUID, role, status string, offset, limit int) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Orders)
	if err != nil {
		return nil, 0, err
	}
	prefix := base + "ix:orders:" + role + ":" + user.String() + ":"
	if status == "" {
		status = "all"
	}
	return s.page(ctx, prefix+"all", prefix+status, offset, limit)
}

// page reads a page of ids from a zset, newest (highest score) first. The
// user's whole list (anchor) must exist: a user without any is a miss (MySQL
// answers), while one with some but none in this status is an empty page.
func (s *Store) page(ctx context.Context, anchor, key string, offset, limit int) ([]uuid.UUID, int, error) {
	var exists, card *goredis.IntCmd
	var page *goredis.StringSliceCmd
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		exists = pipe.Exists(ctx, anchor)
		card = pipe.ZCard(ctx, key)
		page = pipe.ZRevRange(ctx, key, int64(offset), int64(offset+limit-1))
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading %s: %w", key, err)
	}
	if exists.Val() == 0 {
		return nil, 0, query.ErrMiss
	}
	ids, err := memberIDs(page.Val())
	return ids, int(card.Val()), err
}

// BookedRanges reads the stays holding dates of a listing. Booked ranges are
// set-shaped and keyed by the listing: inside a built generation a listing
// without an entry has no stay holding dates (the date search trusts the same).
func (s *Store) BookedRanges(ctx context.Context, listing uuid.UUID, from, to time.Time) ([]query.BookedRange, error) {
	base, err := s.base(ctx, Orders)
	if err != nil {
		return nil, err
	}
	first, last := events.Day(from), events.Day(to)
	var members []string
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		members, err = c.ZRangeByScore(ctx, base+"booked:"+listing.String(), &goredis.ZRangeBy{
			Min: "(" + strconv.FormatInt(first-events.MaxStayDays, 10), Max: "(" + strconv.FormatInt(last, 10),
		}).Result()
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reading booked ranges of listing %s: %w", listing, err)
	}
	out := []query.BookedRange{}
	for _, m := range members {
		parts := strings.Split(m, "|")
		if len(parts) != 3 {
			return nil, fmt.Errorf("bad booked range %q", m)
		}
		start, err1 := strconv.ParseInt(parts[0], 10, 64)
		end, err2 := strconv.ParseInt(parts[1], 10, 64)
		id, err3 := uuid.Parse(parts[2])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("bad booked range %q: %w", m, err)
		}
		if end > first {
			out = append(out, query.BookedRange{Start: dayTime(start), End: dayTime(end), OrderID: id})
		}
	}
	return out, nil
}

func dayTime(day int64) time.Time { return time.Unix(day*86400, 0).UTC() }

// Reviews pages through a listing's reviews, newest first. Like booked
// ranges, a listing without reviews has no key: an empty page, not a miss.
func (s *Store) Reviews(ctx context.Context, listing uuid.UUID, offset, limit int) ([][]byte, int, error) {
	base, err := s.base(ctx, Orders)
	if err != nil {
		return nil, 0, err
	}
	ids, total, err := s.zpage(ctx, base+"reviews:"+listing.String(), offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading reviews of listing %s: %w", listing, err)
	}
	if len(ids) == 0 {
		return [][]byte{}, total, nil
	}
	var docs []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		docs, err = c.HMGet(ctx, base+"reviewdoc", ids...).Result()
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("reading reviews of listing %s: %w", listing, err)
	}
	out := make([][]byte, 0, len(docs))
	for _, d := range docs {
		text, ok := d.(string)
		if !ok {
			return nil, 0, query.ErrMiss // the index and the documents disagree for a moment
		}
		out = append(out, []byte(text))
	}
	return out, total, nil
}
