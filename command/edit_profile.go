package command

import (
	"context"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// EditProfile changes the acting user's nickname, email, mobile or
// self-assignable roles (a tenant may become a landlord too).
//
// The email and the mobile are what the account logs in with: changing
// either to another value needs the current password (a stolen session must
// not be able to take the account over by pointing its login elsewhere),
// counted like a password change's (the attempt limits), and ends every
// other session of the account, as a password change does.
type EditProfile struct {
	Meta
	Patch ProfilePatch
	// CurrentPassword is needed when the email or the mobile changes.
	CurrentPassword string
	// KeepSession is the hash of the token making the request; it stays
	// valid when a change of login ends the others.
	KeepSession []byte
}

type EditProfileHandler struct {
	Store     UserStore
	Sessions  SessionStore
	Passwords Passwords
	Now       Clock
}

func (h EditProfileHandler) Handle(ctx context.Context, cmd EditProfile) (Result, error) {
	if cmd.Actor.Anonymous() {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	loginChanged := false
	res, err := h.Store.Update(ctx, cmd.Meta, cmd.Actor.UserID, func(u *User) (events.Type, error) {
		before := *u
		ev, err := u.EditProfile(cmd.Patch, h.Now())
		if err != nil {
			return "", err
		}
		if loginChanged = u.Email != before.Email || u.Mobile != before.Mobile; !loginChanged {
			return ev, nil
		}
		if cmd.CurrentPassword == "" {
			return "", rental.InvalidField("current_password", "is needed to change the email or mobile you log in with")
		}
		ok, err := h.Passwords.Matches(before.PasswordHash, cmd.CurrentPassword)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", rental.InvalidField("current_password", wrongCurrentPassword)
		}
		return ev, nil
	})
	if err != nil || !loginChanged {
		return res, err
	}
	return res, h.Sessions.RevokeAllExcept(ctx, cmd.Actor.UserID, cmd.KeepSession)
}
