package command

import (
	"context"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// EditProfile changes the acting user's nickname, email, mobile or
// self-assignable roles (a tenant may become a landlord too).
type EditProfile struct {
	Meta
	Patch ProfilePatch
}

type EditProfileHandler struct {
	Store UserStore
	Now   Clock
}

func (h EditProfileHandler) Handle(ctx context.Context, cmd EditProfile) (Result, error) {
	if cmd.Actor.Anonymous() {
		return Result{}, rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	return h.Store.Update(ctx, cmd.Meta, cmd.Actor.UserID, func(u *User) (events.Type, error) {
		return u.EditProfile(cmd.Patch, h.Now())
	})
}
