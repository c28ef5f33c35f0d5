package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops/demo"
)

// HistoryConfig shapes a generated event history.
type HistoryConfig struct {
	Landlords  int
	Listings   int
	PerListing int // events per listing, at least 2 (created, published)
}

// History is what GenerateHistory wrote.
type History struct {
	Events    int64
	Listings  int
	Landlords int
}

// GenerateHistory writes a plausible year of activity straight into MySQL
// (mysql.History, not the command path: a million commands take too long to
// set up a benchmark): landlords register, then each listing is created,
// gets pictures, is published, edited, sometimes unpublished and published
// again, and a few are deleted. Every state comes from the aggregates' own
// rules, so rows and event payloads are exactly what commands would write.
// Listings are generated in groups whose events interleave in time, as
// landlords' activity does.
func GenerateHistory(ctx context.Context, db *sql.DB, cat *rental.Catalog, cfg HistoryConfig) (History, error) {
	h := mysql.NewHistory(db, cat)
	r := rand.New(rand.NewPCG(uint64(cfg.Listings), uint64(cfg.PerListing)))
	hash, err := command.Passwords{Cost: 4}.Hash("bench-password")
	if err != nil {
		return History{}, err
	}
	clock := time.Now().UTC().Add(-365 * 24 * time.Hour).Truncate(time.Microsecond)
	var out History
	landlords := make([]*command.User, cfg.Landlords)
	var evs []events.Envelope
	for i := range landlords {
		u, ev, err := command.NewUser(rental.NewID(), fmt.Sprintf("history-landlord-%d@example.com", i), "", hash,
			fmt.Sprintf("房东%d", i), []string{"tenant", "landlord"}, clock)
		if err != nil {
			return out, err
		}
		u.Version = 1
		e, err := events.New(ev, events.AggregateUser, u.ID, 1, u.State(), "system", "", u.UpdatedAt)
		if err != nil {
			return out, err
		}
		landlords[i], evs = u, append(evs, e)
	}
	if err := h.Append(ctx, landlords, nil, evs); err != nil {
		return out, err
	}
	out.Events, out.Landlords = int64(len(evs)), len(landlords)

	// Groups are generated in order (one random stream) and inserted by two
	// connections at once, the next group generated meanwhile: inserting is
	// most of the time (MariaDB), and one connection leaves a core idle. Two
	// groups' seqs may interleave; each listing's events stay in one group,
	// in order, which is all replay and check rely on.
	const group, inserters = 500, 2
	type batch struct {
		listings []*command.Listing
		evs      []events.Envelope
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, inserters)
	errs := make(chan error, inserters)
	for range inserters {
		go func() {
			for b := range batches {
				if err := h.Append(ctx, nil, b.listings, b.evs); err != nil {
					cancel()
					errs <- err
					for range batches { // let the generator finish
					}
					return
				}
			}
			errs <- nil
		}()
	}
	genErr := func() error {
		defer close(batches)
		for start := 0; start < cfg.Listings; start += group {
			n := min(group, cfg.Listings-start)
			listings := make([]*command.Listing, 0, n)
			var evs []events.Envelope
			for range n {
				owner := landlords[r.IntN(len(landlords))]
				l, lev, err := listingHistory(r, cat, owner.ID, clock, max(cfg.PerListing, 2))
				if err != nil {
					return err
				}
				listings, evs = append(listings, l), append(evs, lev...)
			}
			// Interleave the group's events in time, each listing's in its own order.
			slices.SortStableFunc(evs, func(a, b events.Envelope) int { return a.OccurredAt.Compare(b.OccurredAt) })
			select {
			case batches <- batch{listings, evs}:
			case <-ctx.Done():
				return ctx.Err()
			}
			clock = clock.Add(time.Hour)
			out.Events += int64(len(evs))
			out.Listings += n
		}
		return nil
	}()
	var insertErr error
	for range inserters {
		if err := <-errs; err != nil && insertErr == nil {
			insertErr = err
		}
	}
	if insertErr != nil {
		return out, insertErr
	}
	if genErr != nil {
		return out, genErr
	}
	return out, nil
}

// listingHistory returns a listing in its final state and the n events that
// led there, starting at about from.
func listingHistory(r *rand.Rand, cat *rental.Catalog, landlord uuid.UUID, from time.Time, n int) (*command.Listing, []events.Envelope, error) {
	at := from.Add(time.Duration(r.IntN(3600)) * time.Second)
	next := func() time.Time {
		at = at.Add(time.Duration(1+r.IntN(48*3600)) * time.Second)
		return at
	}
	l, ev, err := command.NewListing(rental.NewID(), landlord, demo.Listing(r, cat), cat, at)
	if err != nil {
		return nil, nil, err
	}
	var out []events.Envelope
	emit := func(ev events.Type, err error) error {
		if err != nil {
			return err
		}
		l.Version++
		e, err := events.New(ev, events.AggregateListing, l.ID, l.Version, l.State(cat), landlord.String(), "", l.UpdatedAt)
		out = append(out, e)
		return err
	}
	if err := emit(ev, nil); err != nil {
		return nil, nil, err
	}
	images := min(3, n-2)
	for i := range images {
		if err := emit(l.AddImage(rental.NewID(), fmt.Sprintf("https://img.example.com/%s/%d.jpg", l.ID, i), next())); err != nil {
			return nil, nil, err
		}
	}
	if err := emit(l.Publish(next())); err != nil {
		return nil, nil, err
	}
	for len(out) < n {
		left := n - len(out)
		switch roll := r.IntN(100); {
		case left == 1 && roll < 5:
			err = emit(l.Delete(next()))
		case left == 1 && roll < 15 && l.Status == events.StatusPublished:
			err = emit(l.Unpublish(next()))
		case left >= 2 && roll < 10 && l.Status == events.StatusPublished:
			if err = emit(l.Unpublish(next())); err == nil {
				err = emit(l.Publish(next()))
			}
		default:
			price := max(100, l.Fields.Price+int64(r.IntN(11)-5)*100)
			title := l.Fields.Title
			if r.IntN(4) == 0 {
				title = fmt.Sprintf("%s 降价", title)
				if len([]rune(title)) > 100 {
					title = string([]rune(title)[:100])
				}
			}
			err = emit(l.Edit(command.ListingPatch{Price: &price, Title: &title}, cat, next()))
		}
		if err != nil {
			return nil, nil, err
		}
	}
	return l, out, nil
}
