package web

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// orderList is what both order pages (/me/orders for the tenant,
// /landlord/orders for the landlord) draw around their rows: the total, the
// state tabs, the pager and the page's own URL for the actions to come back to.
type orderList struct {
	Total   int
	Status  string
	Filters []orderFilter
	Pager   pager
	Back    string // this page, where an action comes back to
}

// orderFilter is one state tab of an orders list.
type orderFilter struct {
	Status, Name, URL string
	Current           bool
}

var orderFilterStatuses = []string{"", events.OrderStatusWaitAccept, events.OrderStatusWaitPayment, events.OrderStatusPaid,
	events.OrderStatusWaitComment, events.OrderStatusComplete, events.OrderStatusCanceled, events.OrderStatusRejected}

// readOrders reads one page of the actor's orders in role (query.MyOrders,
// from MySQL's writer when fresh, after a change) and the list around them;
// path is the list page's own path. An unknown status lists them all.
func (p *pages) readOrders(c echo.Context, role, path, status string, page int, fresh bool) ([]orderView, orderList, error) {
	if !validOrderStatus(status) {
		status = ""
	}
	b, err := p.Queries.MyOrders.Handle(c.Request().Context(), query.MyOrders{
		Actor: actorOf(c), Role: role, Status: status, Page: page, PageSize: ordersPerPage, Fresh: fresh,
	})
	if err != nil {
		return nil, orderList{}, err
	}
	var res struct {
		Items []events.OrderState `json:"items"`
		Total int                 `json:"total"`
	}
	if err := decode(b, &res); err != nil {
		return nil, orderList{}, err
	}
	now := p.now()
	orders := make([]orderView, 0, len(res.Items))
	for _, st := range res.Items {
		orders = append(orders, p.orderView(st, actorOf(c), now))
	}
	list := orderList{Total: res.Total, Status: status, Back: listURL(path, status, page)}
	for _, s := range orderFilterStatuses {
		name := "全部"
		if s != "" {
			name = orderState(s)
		}
		list.Filters = append(list.Filters, orderFilter{Status: s, Name: name, URL: listURL(path, s, 1), Current: s == status})
	}
	list.Pager = newPager(page, ordersPerPage, res.Total, func(n int) string { return listURL(path, status, n) })
	return orders, list, nil
}

func validOrderStatus(s string) bool {
	for _, st := range events.OrderStatuses {
		if s == st {
			return true
		}
	}
	return false
}
