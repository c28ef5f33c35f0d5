package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// loginView is the login form. NeedNewPassword shows the step imported
// accounts go through: the old site stored their password in plain text,
// so they choose a new one (typed twice) before their first session.
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

// login opens a session with OpenSession, the command POST /api/v1/sessions
// runs, and returns to ?next. An account that must choose a new password is
// refused with EINVALID on new_password once its password matched: the form
// then shows the new-password step, whose post carries the old password
// (kept in a hidden field, never shown) with the new one, and OpenSession
// replaces it and opens the session in one step.
func (p *pages) login(c echo.Context) error {
	next := localPath(c.FormValue("next"), "/")
	cmd := command.OpenSession{Meta: meta(c), Login: c.FormValue("login"), Password: c.FormValue("password"), NewPassword: c.FormValue("new_password")}
	mismatch := cmd.NewPassword != "" && cmd.NewPassword != c.FormValue("new_password2")
	if mismatch {
		// Check the old password first (the step is only for those who know
		// it): a wrong one is refused as always, a right one asks again.
		cmd.NewPassword = ""
	}
	s, err := p.Commands.OpenSession.Handle(c.Request().Context(), cmd)
	if err != nil {
		f := formOf(c)
		for _, pw := range []string{"password", "new_password", "new_password2"} {
			f.Values.Del(pw)
		}
		switch rental.ErrorCode(err) {
		case rental.EUNAUTHORIZED: // a wrong login or password is a refused form here, not "log in first"
			f.Status, f.Message = http.StatusUnauthorized, zhMessage(rental.ErrorMessage(err))
			return p.renderForm(c, "login", "登录", f, loginView{Next: next})
		case rental.ETOOMANY: // the form again, with when to try again
			setRetryAfter(c, err)
			return p.renderForm(c, "login", "登录", f.withError(err), loginView{Next: next})
		case rental.EINVALID:
			fields := rental.ErrorFields(err)
			if _, ok := fields["new_password"]; !ok {
				return p.renderForm(c, "login", "登录", f.withError(err), loginView{Next: next})
			}
			// The old password was right: keep it (hidden) so the user only types the new one.
			f = f.withError(err)
			f.Values.Set("password", cmd.Password) // (formOf shares the request's form: read before the deletes above)
			switch {
			case mismatch:
				f.Errors = map[string]string{"new_password2": "两次输入的新密码不一致"}
			case fields["new_password"] == command.NewPasswordRequired:
				// The first time, the step is not an error: the notice explains it.
				f.Errors, f.Status = nil, http.StatusOK
			}
			return p.renderForm(c, "login", "设置新密码", f, loginView{Next: next, NeedNewPassword: true})
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
