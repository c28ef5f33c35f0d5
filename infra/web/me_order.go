package web

import (
	"net/http"

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
	// Contact is the other party's: the tenant's to the landlord, the
	// landlord's to the tenant (query.OrderDetail).
	Contact      *query.Contact
	ContactTitle string
}

// orderAnswer is what the order page reads of query.OrderDetail.
type orderAnswer struct {
	events.OrderState
	TenantContact   *query.Contact `json:"tenant_contact"`
	LandlordContact *query.Contact `json:"landlord_contact"`
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
	var st orderAnswer
	if err := decode(b, &st); err != nil {
		return err
	}
	view.section = newMeSection(c, "/me/orders")
	view.O = p.orderView(st.OrderState, actorOf(c), p.now())
	switch {
	case st.TenantContact != nil:
		view.Contact, view.ContactTitle = st.TenantContact, "租客联系方式"
	case st.LandlordContact != nil:
		view.Contact, view.ContactTitle = st.LandlordContact, "房东联系方式"
	}
	view.Back = view.O.URL()
	if view.Review.Values == nil {
		view.Review.Values = map[string][]string{}
	}
	return p.draw(c, status, "me_order", Page{Title: "订单详情", Data: view})
}
