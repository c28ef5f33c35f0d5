package rental

import "github.com/google/uuid"

// Role is what a user may do. A user may hold several: a tenant who also lets
// a flat is both. Admins (operators) are created only by `rentalctl user create --admin`.
type Role string

const (
	RoleTenant   Role = "tenant"
	RoleLandlord Role = "landlord"
	RoleAdmin    Role = "admin"
)

// Actor is who runs a command or a query: the authenticated user, or the zero
// Actor for an anonymous caller. Tools such as rentalctl act as System.
type Actor struct {
	UserID uuid.UUID
	Roles  []Role
}

// System is the actor for operator tools and background jobs.
var System = Actor{Roles: []Role{RoleAdmin}}

// Anonymous reports whether no user is logged in.
func (a Actor) Anonymous() bool { return a.UserID == uuid.Nil && !a.Has(RoleAdmin) }

// Has reports whether the actor holds the role.
func (a Actor) Has(r Role) bool {
	for _, have := range a.Roles {
		if have == r {
			return true
		}
	}
	return false
}

// String names the actor in the event log: a user id, "system" or "anonymous".
func (a Actor) String() string {
	switch {
	case a.UserID != uuid.Nil:
		return a.UserID.String()
	case a.Has(RoleAdmin):
		return "system"
	default:
		return "anonymous"
	}
}
