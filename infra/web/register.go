package web

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

type registerView struct{ Next string }

func (p *pages) registerForm(c echo.Context) error {
	next := localPath(c.QueryParam("next"), "/me")
	f := Form{Values: map[string][]string{"next": {next}, "roles": {"tenant"}}}
	return p.renderForm(c, "register", "注册", f, registerView{Next: next})
}

// register opens an account with RegisterUser and logs it in at once.
func (p *pages) register(c echo.Context) error {
	next := localPath(c.FormValue("next"), "/me")
	again := func(f Form) error {
		f.Values.Del("password")
		f.Values.Del("password2")
		return p.renderForm(c, "register", "注册", f, registerView{Next: next})
	}
	form := formOf(c)
	if form.Get("password") != form.Get("password2") {
		return again(form.withError(rental.InvalidField("password2", "两次输入的密码不一致")))
	}
	login := form.Get("email")
	if login == "" {
		login = form.Get("mobile")
	}
	_, err := p.Commands.RegisterUser.Handle(c.Request().Context(), command.RegisterUser{
		Meta: meta(c), Email: form.Get("email"), Mobile: form.Get("mobile"), Password: form.Get("password"),
		Nickname: form.Get("nickname"), Roles: form.Values["roles"],
	})
	if err != nil {
		return p.fail(c, err, again)
	}
	s, err := p.Commands.OpenSession.Handle(c.Request().Context(), command.OpenSession{Meta: meta(c), Login: login, Password: form.Get("password")})
	if err != nil {
		return err
	}
	setSessionCookie(c, s)
	return see303(c, next)
}
