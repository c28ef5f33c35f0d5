package web

import (
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// changePassword replaces the password with ChangePassword, the command PUT
// /api/v1/users/me/password runs; it ends the user's other sessions and
// keeps this one. The new password is typed twice; no password is ever drawn
// back into the form.
func (p *pages) changePassword(c echo.Context) error {
	again := func(f Form) error {
		f.Values = url.Values{} // passwords are never drawn back
		return p.drawMe(c, f.Status, Form{}, f)
	}
	f := formOf(c)
	if f.Get("new_password") != f.Get("new_password2") {
		return again(f.withError(rental.InvalidField("new_password2", "两次输入的新密码不一致")))
	}
	res, err := p.Commands.ChangePassword.Handle(c.Request().Context(), command.ChangePassword{
		Meta: meta(c), Current: f.Get("current_password"), New: f.Get("new_password"), KeepSession: tokenHashOf(c),
	})
	if err != nil {
		return p.fail(c, err, again)
	}
	return see303(c, afterChange("/me", "/me", res.Version, "password"))
}
