package web

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// loginView is the login form. NeedNewPassword shows the step imported
// accounts go through: the old site stored their password in plain text,
// so they choose a new one before their first session.
type loginView struct {
	Next            string
	NeedNewPassword bool
}

func (p *pages) loginForm(c echo.Context) error {
	next := localPath(c.QueryParam("next"), "/")
	if !actorOf(c).Anonymous() {
		return see303(c, next)
	}
	f := Form{Values: map[string][]string{"next": {next}}}
	return p.renderForm(c, "login", "登录", f, loginView{Next: next})
}

func (p *pages) login(c echo.Context) error {
	next := localPath(c.FormValue("next"), "/")
	s, err := p.Commands.OpenSession.Handle(c.Request().Context(), command.OpenSession{
		Login: c.FormValue("login"), Password: c.FormValue("password"), NewPassword: c.FormValue("new_password"),
	})
	if err != nil {
		f := formOf(c)
		f.Values.Del("password")
		f.Values.Del("new_password")
		switch rental.ErrorCode(err) {
		case rental.EUNAUTHORIZED: // a wrong login or password is a refused form here, not "log in first"
			f.Status, f.Message = 401, zhMessage(rental.ErrorMessage(err))
			return p.renderForm(c, "login", "登录", f, loginView{Next: next})
		case rental.EINVALID:
			f = f.withError(err)
			f.Values.Del("password")
			f.Values.Del("new_password")
			view := loginView{Next: next, NeedNewPassword: c.FormValue("new_password") != "" || f.Errors["new_password"] != ""}
			if view.NeedNewPassword {
				// The old password was right: keep it so the user only types the new one.
				f.Values.Set("password", c.FormValue("password"))
			}
			return p.renderForm(c, "login", "登录", f, view)
		}
		return err
	}
	setSessionCookie(c, s)
	return see303(c, next)
}

func (p *pages) logout(c echo.Context) error {
	if !actorOf(c).Anonymous() {
		if _, err := p.Commands.CloseSession.Handle(c.Request().Context(), command.CloseSession{Meta: meta(c), TokenHash: tokenHashOf(c)}); err != nil &&
			rental.ErrorCode(err) != rental.EUNAUTHORIZED {
			return err
		}
	}
	clearSessionCookie(c)
	return see303(c, "/")
}
