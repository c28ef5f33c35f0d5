package events

import (
	"time"

	"github.com/google/uuid"
)

// User events. Every one carries the user's full public state (never the password hash).
const (
	UserRegistered      Type = "user.registered.v1"
	UserProfileUpdated  Type = "user.profile_updated.v1"
	UserPasswordChanged Type = "user.password_changed.v1"
	UserRolesChanged    Type = "user.roles_changed.v1"
)

// UserState is a user as the read side sees it (GET /api/v1/users/me).
type UserState struct {
	ID        uuid.UUID `json:"id"`
	Version   int64     `json:"version"`
	Email     string    `json:"email,omitempty"`
	Mobile    string    `json:"mobile,omitempty"`
	Nickname  string    `json:"nickname"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}
