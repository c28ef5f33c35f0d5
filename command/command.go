// Package command is the write side. One file per use case holds the command,
// its handler and its rules; aggregates (listing.go, user.go) hold the rules
// that protect their state. Handlers change state only through the stores
// (ports.go), which run each command as one MySQL transaction that writes the
// state rows, bumps the aggregate's version and appends its events.
package command

import (
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
)

// Meta is what every command carries besides its own fields.
type Meta struct {
	Actor rental.Actor
	// CommandID makes a retried command idempotent: the store records it in
	// the same transaction, so a retry after a lost commit acknowledgement
	// returns the first result instead of applying the command twice.
	CommandID uuid.UUID
	// MayRepeat says the id came from the client (Idempotency-Key), who may
	// send the same command again: the store looks for an earlier result first.
	MayRepeat bool
	// KeepRecord keeps the command's record past RENTAL_IDEMPOTENCY_WINDOW,
	// for one-off migrations (rentalctl import) that may be repeated any
	// time later and must still find what they did.
	KeepRecord bool
	// RequestHash fingerprints the request behind a client's Idempotency-Key
	// (method, route, path parameters and body). The store keeps it with the
	// command's record, and a repeat of the key with another request is
	// refused instead of answered with the first request's result.
	RequestHash   []byte
	CorrelationID string
	// Client is the caller's network address ("" for tools and jobs); attempt
	// limits count per address with it.
	Client string
}

// Result is what a command that changed an aggregate returns: the aggregate's
// id and its version after the change. Clients pass the version back as
// min_version to read their own write.
type Result struct {
	ID      uuid.UUID `json:"id"`
	Version int64     `json:"version"`
	// Ref names a child the command created (an image), when there is one.
	Ref uuid.UUID `json:"-"`
	// Status is the status the domain gave a new order (PlaceOrder); it is
	// recorded with the command, so a repeat answers the same.
	Status string `json:"status,omitempty"`
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
