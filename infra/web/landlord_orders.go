package web

import (
	"net/url"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// The landlord's incoming orders (/landlord/orders): the requests for their
// listings, newest first, by state, each with accept and reject (with a
// reason the tenant sees) while it waits for the landlord.

// incomingOrder is an order as its landlord sees it.
type incomingOrder struct {
	orderView
}

// CanDecide: the order waits for the landlord to accept or reject it.
func (o incomingOrder) CanDecide() bool {
	return o.Status == events.OrderStatusWaitAccept && o.viewer.UserID == o.LandlordID
}

// LandlordNext says what happens next, in the landlord's words.
func (o incomingOrder) LandlordNext() string {
	switch o.Status {
	case events.OrderStatusWaitAccept:
		return "租客已提交预订，请确认是否接受。"
	case events.OrderStatusWaitPayment:
		return "已接受，等待租客支付。"
	case events.OrderStatusPaid:
		return "租客已支付，" + date(o.StartDate) + "起入住。"
	case events.OrderStatusWaitComment:
		return "租期已结束，等待租客评价。"
	case events.OrderStatusComplete:
		return "订单已完成。"
	case events.OrderStatusRejected:
		return "您已拒绝该订单。"
	case events.OrderStatusCanceled:
		return "租客已取消订单。"
	}
	return ""
}

type incomingOrdersView struct {
	section
	orderList
	Orders []incomingOrder
	// Refused is the order whose reject form was refused; Reject holds it.
	Refused uuid.UUID
	Reject  Form
}

// incomingOrders lists the landlord's orders (query.MyOrders with the
// landlord's role, as GET /api/v1/users/me/orders?role=landlord does). After
// an action (?v=) the list is read from MySQL's writer, so it shows it.
func (p *pages) incomingOrders(c echo.Context) error {
	return p.drawIncoming(c, c.QueryParam("status"), pageParam(c), incomingOrdersView{})
}

func (p *pages) drawIncoming(c echo.Context, status string, page int, v incomingOrdersView) error {
	const path = "/landlord/orders"
	orders, list, err := p.readOrders(c, query.RoleLandlord, path, status, page, version(c) > 0 || v.Reject.Failed())
	if err != nil {
		return err
	}
	v.section, v.orderList = newLandlordSection(c, path), list
	for _, o := range orders {
		v.Orders = append(v.Orders, incomingOrder{o})
	}
	if v.Reject.Values == nil {
		v.Reject.Values = map[string][]string{}
	}
	return p.renderForm(c, "landlord_orders", "房源订单", v.Reject, v)
}

// acceptOrder agrees to a stay with AcceptOrder; the tenant may then pay.
func (p *pages) acceptOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := p.Commands.AcceptOrder.Handle(c.Request().Context(), command.AcceptOrder{Meta: meta(c), OrderID: id})
	if err != nil {
		return p.fail(c, err, p.incomingAgain(c, id))
	}
	return see303(c, afterChange(c.FormValue("back"), "/landlord/orders", res.Version, "accepted"))
}

// rejectOrder declines a stay with RejectOrder and the reason the tenant
// will read; a missing or long reason is shown beside that order's field.
func (p *pages) rejectOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := p.Commands.RejectOrder.Handle(c.Request().Context(), command.RejectOrder{Meta: meta(c), OrderID: id, Reason: c.FormValue("reason")})
	if err != nil {
		return p.fail(c, err, p.incomingAgain(c, id))
	}
	return see303(c, afterChange(c.FormValue("back"), "/landlord/orders", res.Version, "rejected"))
}

// incomingAgain draws the list the refused action came from, the refused
// order's reject form open with its message (or the refusal above the list).
func (p *pages) incomingAgain(c echo.Context, id uuid.UUID) func(Form) error {
	return func(f Form) error {
		status, page := listState(c.FormValue("back"))
		return p.drawIncoming(c, status, page, incomingOrdersView{Refused: id, Reject: f})
	}
}

// PagerQuery is what the pager's jump box keeps: the tab.
func (v incomingOrdersView) PagerQuery() url.Values {
	if v.Status == "" {
		return nil
	}
	return url.Values{"status": {v.Status}}
}
