package command

import (
	"context"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// ChangePassword replaces the acting user's password after checking the
// current one, and ends every other session of theirs.
type ChangePassword struct {
	Meta
	Current string
	New     string
	// KeepSession is the hash of the token making the request; it stays valid.
	KeepSession []byte
}

type ChangePasswordHandler struct {
	Users     UserStore
	Sessions  SessionStore
	Passwords Passwords
	Now       Clock
}

func (h ChangePasswordHandler) Handle(ctx context.Context, cmd ChangePassword) (Result, error) {
	if cmd.Actor.Anonymous() {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	if cmd.Current == "" {
		return Result{}, rental.InvalidField("current_password", "must not be empty")
	}
	if err := CheckPassword("new_password", cmd.New); err != nil {
		return Result{}, err
	}
	hash, err := h.Passwords.Hash(cmd.New)
	if err != nil {
		return Result{}, err
	}
	res, err := h.Users.Update(ctx, cmd.Meta, cmd.Actor.UserID, func(u *User) (events.Type, error) {
		ok, err := h.Passwords.Matches(u.PasswordHash, cmd.Current)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", rental.InvalidField("current_password", wrongCurrentPassword)
		}
		if err := CheckPassword("new_password", cmd.New, u.Email, u.Mobile); err != nil {
			return "", err
		}
		return u.SetPassword(hash, h.Now()), nil
	})
	if err != nil {
		return Result{}, err
	}
	return res, h.Sessions.RevokeAllExcept(ctx, cmd.Actor.UserID, cmd.KeepSession)
}
