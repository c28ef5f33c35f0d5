package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/events"
)

// The stores are the write side's ports, all of them here. infra/mysql
// implements them; each Create, Update, Book or Record is one transaction
// that saves the state rows, bumps each changed aggregate's version, appends
// one event per changed aggregate to event_log and outbox, records
// meta.CommandID, commits, and hands the events to the relay. Transient
// database errors are retried inside.

// ListingStore loads and saves listings.
type ListingStore interface {
	// Create inserts a new listing at version 1.
	Create(ctx context.Context, meta Meta, l *Listing, ev events.Type) (Result, error)
	// Update locks the listing, lets fn change it and name the event, and saves it.
	// A listing that does not exist or was deleted is ENOTFOUND.
	Update(ctx context.Context, meta Meta, id uuid.UUID, fn func(l *Listing) (events.Type, error)) (Result, error)
	// UpdateHeld is Update that also tells fn how many orders hold the
	// listing's dates (wait_accept, wait_payment, paid, wait_comment),
	// counted under the listing's row lock, which every booking takes too.
	UpdateHeld(ctx context.Context, meta Meta, id uuid.UUID, fn func(l *Listing, held int) (events.Type, error)) (Result, error)
}

// UserStore loads and saves users. Emails and mobiles are unique: a clash is ECONFLICT.
type UserStore interface {
	Create(ctx context.Context, meta Meta, u *User, ev events.Type) (Result, error)
	Update(ctx context.Context, meta Meta, id uuid.UUID, fn func(u *User) (events.Type, error)) (Result, error)
	// ByLogin finds a user by email or mobile; ENOTFOUND when none matches.
	ByLogin(ctx context.Context, login string) (*User, error)
}

// Session is a login. Only the token's SHA-256 is stored, so a leaked table
// does not leak usable tokens.
type Session struct {
	TokenHash []byte
	UserID    uuid.UUID
	CreatedAt time.Time
	ExpiresAt time.Time
}

// SessionStore keeps sessions. Sessions are security state, not an aggregate:
// they emit no events and are checked on the MySQL writer, so a revoked token
// stops working at once on every api replica.
type SessionStore interface {
	Open(ctx context.Context, s Session) error
	Revoke(ctx context.Context, tokenHash []byte) error
	// RevokeAllExcept ends every session of the user but the one given.
	RevokeAllExcept(ctx context.Context, userID uuid.UUID, keep []byte) error
}

// Catalog is the fixed dictionary of cities, districts and facilities that
// listings refer to. It is seeded by migration and read once at start-up.
type Catalog interface {
	CityName(city string) (string, bool)
	DistrictName(city, district string) (string, bool)
	// FacilityOrder returns a facility code's position in the dictionary.
	FacilityOrder(code string) (int, bool)
}

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
