package command

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// The stores are the write side's ports. infra/mysql implements them; each
// Create or Update is one transaction that also bumps the version, appends the
// event to event_log and outbox, records meta.CommandID, commits, and hands the
// events to the relay. Transient database errors are retried inside.

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

// Clock lets tests fix "now".
type Clock func() time.Time

// requireRole is the one check every command only one role may run uses:
// tenant-only, landlord-only, and admin-only (operators' tools and the
// platform's own jobs, which act as rental.System).
func requireRole(a rental.Actor, r rental.Role) error {
	if a.Anonymous() {
		return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	if !a.Has(r) {
		return rental.Errorf(rental.EFORBIDDEN, "only %s may do this", roleNames[r])
	}
	return nil
}

// roleNames name the holders of a role in a refusal.
var roleNames = map[rental.Role]string{
	rental.RoleTenant:   "a tenant",
	rental.RoleLandlord: "a landlord",
	rental.RoleAdmin:    "an operator",
}
