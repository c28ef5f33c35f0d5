package command

import (
	"context"

	"github.com/zufang/rental"
)

// ImportUser brings an account over from the site this platform replaces
// (rentalctl import). Only an operator may import. The old site kept
// passwords in plain text: the password is hashed like any other, and the
// account must choose a new one at its first login (MustResetPassword) when
// the old one breaks today's policy or ForceReset says so; a landlord account
// the import creates gets a random password and must reset it too.
type ImportUser struct {
	Meta
	Email      string
	Mobile     string
	Password   string // as the old site stored it; any length
	Nickname   string
	Roles      []string
	ForceReset bool
}

type ImportUserHandler struct {
	Store     UserStore
	Passwords Passwords
	Now       Clock
}

func (h ImportUserHandler) Handle(ctx context.Context, cmd ImportUser) (Result, error) {
	if err := requireRole(cmd.Actor, rental.RoleAdmin); err != nil {
		return Result{}, err
	}
	if cmd.Password == "" {
		return Result{}, rental.InvalidField("password", "must not be empty")
	}
	u, ev, err := NewUser(rental.NewID(), cmd.Email, cmd.Mobile, "", cmd.Nickname, cmd.Roles, h.Now())
	if err != nil {
		return Result{}, err
	}
	u.MustResetPassword = cmd.ForceReset || CheckPassword("password", cmd.Password, cmd.Email, cmd.Mobile) != nil
	if len(cmd.Password) > 72 {
		// bcrypt reads 72 bytes; such an account must reset anyway.
		cmd.Password = cmd.Password[:72]
	}
	if u.PasswordHash, err = h.Passwords.Hash(cmd.Password); err != nil {
		return Result{}, err
	}
	return h.Store.Create(ctx, cmd.Meta, u, ev)
}
