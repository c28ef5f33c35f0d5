package web

import (
	"maps"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// loginPassword is the profile form's current-password field. The password
// form beside it has its own current_password; one name each keeps the
// page's element ids apart and each message beside its own form's field.
const loginPassword = "login_password"

// editProfile changes the nickname, contact and roles with EditProfile, the
// command PATCH /api/v1/users/me runs. Changing the email or mobile (the
// login) needs the current password and ends the user's other sessions,
// this one kept. A refusal draws the profile page again with each field's
// message beside it and what was typed kept (never the password).
func (p *pages) editProfile(c echo.Context) error {
	f := formOf(c)
	nickname, email, mobile := f.Get("nickname"), f.Get("email"), f.Get("mobile")
	roles := f.Values["roles"]
	if roles == nil {
		roles = []string{} // no box ticked: the command names the field
	}
	patch := command.ProfilePatch{Nickname: &nickname, Email: &email, Mobile: &mobile, Roles: &roles}
	res, err := p.Commands.EditProfile.Handle(c.Request().Context(), command.EditProfile{Meta: meta(c), Patch: patch,
		CurrentPassword: f.Get(loginPassword), KeepSession: tokenHashOf(c)})
	if err != nil {
		return p.fail(c, renameField(err, "current_password", loginPassword), func(f Form) error {
			f.Values = cloneWithout(f.Values, loginPassword) // a password is never drawn back
			return p.drawMe(c, f.Status, f, Form{})
		})
	}
	return see303(c, afterChange("/me", "/me", res.Version, "profile"))
}

// renameField returns err with the message of field from under the name to.
func renameField(err error, from, to string) error {
	fields := rental.ErrorFields(err)
	if _, ok := fields[from]; !ok {
		return err
	}
	renamed := maps.Clone(fields)
	renamed[to] = renamed[from]
	delete(renamed, from)
	return rental.Invalid(renamed)
}

func cloneWithout(v url.Values, key string) url.Values {
	out := maps.Clone(v)
	delete(out, key)
	return out
}
