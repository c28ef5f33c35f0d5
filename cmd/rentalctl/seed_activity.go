package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/relay"
	"github.com/zufang/rental/infra/system"
)

// Demo activity: a site nobody has used shows every ranking at 0, no
// ratings, empty calendars and an empty "my orders". seedActivity gives the
// demo listings a past: renters who viewed, favorited, booked and reviewed,
// all through the command handlers, so the read models learn of it as they
// learn of real use. Finished stays are written with a clock set to the
// past (system.NewCommandsClocked), since an order can only be placed for a stay
// that starts today or later.

func demoRenter(i int) string { return fmt.Sprintf("renter%02d@example.com", i) }

const demoRenters = 24

var demoReviews = []string{
	"房东很热情，房子和照片一致，住得很舒服。", "交通方便，楼下就是地铁，周边生活配套齐全。", "采光很好，家具家电都是新的。",
	"小区环境安静，物业负责，推荐。", "房间干净整洁，入住手续简单。", "性价比高，下次还会考虑。",
	"位置不错，就是晚上楼下有点吵。", "整体满意，热水器有点旧。",
}

// demoListing is what the activity needs to know of a demo listing.
type demoListing struct {
	id, landlord uuid.UUID
	minMonths    int
}

// activity counts what seedActivity wrote.
type activity struct {
	views, favorites, orders, reviews int
}

// seedActivity writes the demo past once: if the first demo renter exists it
// does nothing. seed is deterministic in what it chooses, not in its dates.
func seedActivity(ctx context.Context, base *system.Base, rel *relay.Relay, cmds command.Commands, listings []demoListing, tenant uuid.UUID, r *rand.Rand) (activity, error) {
	var done activity
	if len(listings) == 0 {
		return done, nil
	}
	if exists, err := userExists(ctx, base, demoRenter(1)); err != nil || exists {
		return done, err
	}
	renters := make([]uuid.UUID, 0, demoRenters)
	for i := 1; i <= demoRenters; i++ {
		id, err := ensureUser(ctx, base, cmds, demoRenter(i), fmt.Sprintf("租客%02d", i), false, "tenant")
		if err != nil {
			return done, err
		}
		renters = append(renters, id)
	}
	// A few listings draw most of the interest, as on a real site.
	popular := func() demoListing { return listings[r.IntN(r.IntN(len(listings))+1)] }
	now := time.Now()

	// Views over the past week, and a few favorites per renter.
	var views []command.View
	for _, u := range append(renters, tenant) {
		for range 8 + r.IntN(30) {
			views = append(views, command.View{ListingID: popular().id, UserID: u, At: now.Add(-time.Duration(r.IntN(7*24*60)) * time.Minute)})
		}
		for range r.IntN(4) {
			if _, err := cmds.AddFavorite.Handle(ctx, command.AddFavorite{Meta: as(u, rental.RoleTenant), ListingID: popular().id}); err != nil {
				return done, fmt.Errorf("adding a demo favorite: %w", err)
			}
			done.favorites++
		}
	}
	for len(views) > 0 {
		batch := views[:min(len(views), command.MaxViewBatch)]
		views = views[len(batch):]
		if _, err := cmds.RecordViews.Handle(ctx, command.RecordViews{Meta: command.Meta{Actor: rental.System}, Views: batch}); err != nil {
			return done, fmt.Errorf("recording demo views: %w", err)
		}
		done.views += len(batch)
	}

	var clock backdated
	past := system.NewCommandsClocked(base, rel, nil, clock.now)
	// Stays that are over, each paid and reviewed; the tenant's last one is
	// left to review, so the demo login has something to do.
	for i := range 70 {
		who := renters[r.IntN(len(renters))]
		if i == 69 {
			who = tenant
		}
		l := popular()
		start := now.AddDate(0, -l.minMonths, -10-r.IntN(200))
		end := command.AddMonths(start, l.minMonths)
		clock.set(start.AddDate(0, 0, -3))
		oid, ok, err := book(ctx, past, who, l, start, end, 2)
		if err != nil {
			return done, err
		}
		if !ok {
			continue
		}
		done.orders++
		if i == 69 {
			continue
		}
		rating := []int{5, 5, 5, 4, 4, 4, 3, 2}[r.IntN(8)]
		if _, err := cmds.ReviewOrder.Handle(ctx, command.ReviewOrder{Meta: as(who, rental.RoleTenant), OrderID: oid,
			Rating: rating, Content: demoReviews[r.IntN(len(demoReviews))]}); err != nil {
			return done, fmt.Errorf("reviewing a demo stay: %w", err)
		}
		done.reviews++
	}

	var firstLandlords []demoListing
	for _, l := range listings {
		if l.landlord == listings[0].landlord {
			firstLandlords = append(firstLandlords, l)
		}
	}
	// Coming stays in every state an order can wait in: asked, accepted
	// (to pay) and paid; the demo tenant gets one of each, and the first
	// demo landlord one to accept.
	for i := range 45 {
		who, steps, tries, pick := renters[r.IntN(len(renters))], r.IntN(3), 1, popular
		switch {
		case i < 3:
			who, steps, tries = tenant, i, 10 // the demo tenant's must not be skipped
		case i == 3: // nor an order the first demo landlord can accept
			steps, tries, pick = 0, 10, func() demoListing { return firstLandlords[r.IntN(len(firstLandlords))] }
		}
		for range tries {
			l := pick()
			start := now.AddDate(0, 0, 3+r.IntN(120))
			_, ok, err := book(ctx, cmds, who, l, start, command.AddMonths(start, l.minMonths), steps)
			if err != nil {
				return done, err
			}
			if ok {
				done.orders++
				break
			}
		}
	}
	return done, nil
}

// book places an order for [start, end) and takes it steps further: 1 the
// landlord accepts it, 2 the tenant also pays. ok is false when the dates
// are already held (a demo choice that collides is skipped).
func book(ctx context.Context, cmds command.Commands, tenant uuid.UUID, l demoListing, start, end time.Time, steps int) (uuid.UUID, bool, error) {
	res, err := cmds.PlaceOrder.Handle(ctx, command.PlaceOrder{Meta: as(tenant, rental.RoleTenant), ListingID: l.id,
		StartDate: start.Format(events.DateLayout), EndDate: end.Format(events.DateLayout)})
	if rental.ErrorCode(err) == rental.ECONFLICT {
		return uuid.Nil, false, nil
	}
	if err != nil {
		return uuid.Nil, false, fmt.Errorf("placing a demo order: %w", err)
	}
	if steps >= 1 {
		if _, err := cmds.AcceptOrder.Handle(ctx, command.AcceptOrder{Meta: as(l.landlord, rental.RoleLandlord), OrderID: res.ID}); err != nil {
			return uuid.Nil, false, fmt.Errorf("accepting a demo order: %w", err)
		}
	}
	if steps >= 2 {
		if _, err := cmds.PayOrder.Handle(ctx, command.PayOrder{Meta: as(tenant, rental.RoleTenant), OrderID: res.ID}); err != nil {
			return uuid.Nil, false, fmt.Errorf("paying a demo order: %w", err)
		}
	}
	return res.ID, true, nil
}

func as(user uuid.UUID, role rental.Role) command.Meta {
	return command.Meta{Actor: rental.Actor{UserID: user, Roles: []rental.Role{role}}}
}

// backdated is a clock that runs from a moment set in the past; the past
// orders are written through one command set, its clock moved for each.
type backdated struct{ offset atomic.Int64 }

func (b *backdated) set(t time.Time) { b.offset.Store(int64(time.Until(t))) }

func (b *backdated) now() time.Time { return time.Now().Add(time.Duration(b.offset.Load())) }

func userExists(ctx context.Context, base *system.Base, email string) (bool, error) {
	var n int
	if err := base.Pools.Writer.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = ?`, email).Scan(&n); err != nil {
		return false, fmt.Errorf("looking for %s: %w", email, err)
	}
	return n > 0, nil
}

// demoListings reads the published listings of the demo landlords.
func demoListings(ctx context.Context, base *system.Base, landlords []uuid.UUID) ([]demoListing, error) {
	var out []demoListing
	for _, id := range landlords {
		rows, err := base.Pools.Writer.QueryContext(ctx,
			`SELECT id, min_months FROM listings WHERE landlord_id = ? AND status = 'published' ORDER BY created_at, id`, id[:])
		if err != nil {
			return nil, fmt.Errorf("reading demo listings: %w", err)
		}
		for rows.Next() {
			l := demoListing{landlord: id}
			if err := rows.Scan(&l.id, &l.minMonths); err != nil {
				rows.Close()
				return nil, fmt.Errorf("reading demo listings: %w", err)
			}
			out = append(out, l)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("reading demo listings: %w", err)
		}
	}
	return out, nil
}
