package web

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
)

// editProfile changes the nickname, contact and roles with EditProfile, the
// command PATCH /api/v1/users/me runs. A refusal draws the profile page again
// with each field's message beside it and what was typed kept.
func (p *pages) editProfile(c echo.Context) error {
	f := formOf(c)
	nickname, email, mobile := f.Get("nickname"), f.Get("email"), f.Get("mobile")
	roles := f.Values["roles"]
	if roles == nil {
		roles = []string{} // no box ticked: the command names the field
	}
	patch := command.ProfilePatch{Nickname: &nickname, Email: &email, Mobile: &mobile, Roles: &roles}
	res, err := p.Commands.EditProfile.Handle(c.Request().Context(), command.EditProfile{Meta: meta(c), Patch: patch})
	if err != nil {
		return p.fail(c, err, func(f Form) error { return p.drawMe(c, f.Status, f, Form{}) })
	}
	return see303(c, afterChange("/me", "/me", res.Version, "profile"))
}
