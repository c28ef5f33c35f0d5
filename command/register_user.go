package command

import (
	"context"

	"github.com/zufang/rental"
)

// RegisterUser opens an account. Anyone may register as tenant and/or
// landlord; Admin is honoured only when an admin (an operator tool) asks.
type RegisterUser struct {
	Meta
	Email    string
	Mobile   string
	Password string
	Nickname string
	Roles    []string // nil means tenant
	Admin    bool
}

type RegisterUserHandler struct {
	Store     UserStore
	Passwords Passwords
	Now       Clock
}

func (h RegisterUserHandler) Handle(ctx context.Context, cmd RegisterUser) (Result, error) {
	if cmd.Admin {
		if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
			return Result{}, err
		}
	}
	if err := CheckPassword("password", cmd.Password, cmd.Email, cmd.Mobile); err != nil {
		return Result{}, err
	}
	// Validate before hashing: bcrypt is the slow part and bad input should be cheap.
	u, ev, err := NewUser(rental.NewID(), cmd.Email, cmd.Mobile, "", cmd.Nickname, cmd.Roles, h.Now())
	if err != nil {
		return Result{}, err
	}
	if u.PasswordHash, err = h.Passwords.Hash(cmd.Password); err != nil {
		return Result{}, err
	}
	if cmd.Admin {
		u.Roles = append(u.Roles, rental.RoleAdmin)
	}
	return h.Store.Create(ctx, cmd.Meta, u, ev)
}
