package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

// tenantRoutes are the logged-in user's own pages.
func (p *pages) tenantRoutes(r router) {
	r.GET("/me", p.me)
}

type meView struct {
	User *userView
}

// me is the user's page.
func (p *pages) me(c echo.Context) error {
	if actorOf(c).Anonymous() {
		return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
	}
	c.Set(userVersionKey, version(c))
	u, err := p.currentUser(c, version(c))
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "me", "我的", meView{User: u})
}
