package web

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

// opsRoutes registers the operator page (/ops, admins only) when Deps.Ops is
// set: the status screen and the dead letters with their retry and drop.
func (p *pages) opsRoutes(r router) {
	if p.Ops == nil {
		return
	}
	admin := r.With(adminOnly)
	admin.GET("/ops", p.opsPage)
	admin.POST("/ops/dead-letters/:id/retry", p.retryDeadLetter)
	admin.POST("/ops/dead-letters/:id/drop", p.dropDeadLetter)
}

// adminOnly sends a visitor to log in and shows anyone else who is not an
// operator the 403 page. The operations check it again themselves.
func adminOnly(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		a := actorOf(c)
		switch {
		case a.Anonymous():
			return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
		case !a.Has(rental.RoleAdmin):
			return rental.Errorf(rental.EFORBIDDEN, "运维页面仅对运维人员开放")
		}
		return next(c)
	}
}
