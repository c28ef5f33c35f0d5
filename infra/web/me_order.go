package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

type orderPageView struct {
	section
	O orderView
	// Review is the review form (rating, content), with its messages after a refusal.
	Review Form
	// ConfirmCancel asks "are you sure" before canceling, for a browser
	// without JavaScript (with it the button asks itself).
	ConfirmCancel bool
	Back          string
}

// orderPage is one order to its tenant (or landlord): every fact, its state
// in Chinese and the tenant's actions. It reads at least version ?v=, so the
// page a booking or an action redirects to already shows it; anyone else's
// order is the 404 page.
func (p *pages) orderPage(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return p.drawOrder(c, http.StatusOK, id, orderPageView{})
}

// drawOrder draws an order's page; view carries the review form or the
// cancel confirmation when an action draws it again.
func (p *pages) drawOrder(c echo.Context, status int, id uuid.UUID, view orderPageView) error {
	b, err := p.Queries.OrderDetail.Handle(c.Request().Context(), query.OrderDetail{Actor: actorOf(c), ID: id, MinVersion: version(c)})
	if err != nil {
		return err
	}
	var st events.OrderState
	if err := decode(b, &st); err != nil {
		return err
	}
	view.section = newMeSection(c, "/me/orders")
	view.O = p.orderView(st, actorOf(c), time.Now())
	view.Back = view.O.URL()
	if view.Review.Values == nil {
		view.Review.Values = map[string][]string{}
	}
	return p.draw(c, status, "me_order", Page{Title: "订单详情", Data: view})
}
