package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The ports of orders, favorites and views. Like the other stores, each call
// is one MySQL transaction that saves state rows, bumps versions and appends
// one event per changed aggregate; infra/mysql implements them.

// OrderStore places and changes orders.
type OrderStore interface {
	// Book places an order. In one transaction it locks the listing's row,
	// learns whether an order of the listing that holds its dates overlaps
	// the stay (free), lets fn apply the rules, build the order, count the
	// booking on the listing and name each one's event, then saves both with
	// those events. Because every booking of a
	// listing writes the listing's row (its version), two bookings of one
	// listing are serialised by the row lock on one node and by certification
	// across the nodes of a multi-primary cluster: no double booking. A
	// listing that does not exist is passed as nil.
	Book(ctx context.Context, meta Meta, listingID uuid.UUID, stay Stay, fn func(l *Listing, free bool) (o *Order, placed, booked events.Type, err error)) (Result, error)
	// Update locks the order, lets fn change it and name the event, and saves it.
	// An order that does not exist is ENOTFOUND.
	Update(ctx context.Context, meta Meta, id uuid.UUID, fn func(o *Order) (events.Type, error)) (Result, error)
	// UpdateWithListing is Update for a move that also changes the order's
	// listing (its bookings count or rating): it locks both, lets fn change
	// them and name each event ("" for a listing left unchanged; nil for one
	// that does not exist), and saves both.
	UpdateWithListing(ctx context.Context, meta Meta, id uuid.UUID, fn func(o *Order, l *Listing) (events.Type, events.Type, error)) (Result, error)
}

// FavoriteStore keeps favorites, one aggregate per (user, listing) pair.
type FavoriteStore interface {
	// Update locks the pair (a new one when it never existed), reads the
	// listing (nil when there is none), lets fn change the pair and name the
	// event ("" = nothing changed, nothing is written), and saves it.
	Update(ctx context.Context, meta Meta, user, listing uuid.UUID, fn func(f *Favorite, l *Listing) (events.Type, error)) (Result, error)
}

// ViewStore keeps view counters and histories.
type ViewStore interface {
	// Record locks the counters of the listings and the histories of the
	// users (new ones for those never seen), fills each counter's Counted
	// with the viewers among users already counted on a day from since on,
	// lets fn change them, and saves every one whose Event fn set, with that
	// event, and each counter's New viewers.
	Record(ctx context.Context, meta Meta, listings, users []uuid.UUID, since time.Time, fn func(counters map[uuid.UUID]*ViewCounter, histories map[uuid.UUID]*History) error) (Result, error)
	// UpdateHistory locks one user's history and lets fn change it (Event "" = unchanged).
	UpdateHistory(ctx context.Context, meta Meta, user uuid.UUID, fn func(h *History) error) (Result, error)
	// UpdateCounter locks one listing's view counter (a new one when it never
	// counted) and lets fn change it (Event "" = unchanged).
	UpdateCounter(ctx context.Context, meta Meta, listing uuid.UUID, fn func(c *ViewCounter) error) (Result, error)
}
