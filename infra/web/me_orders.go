package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// ordersPerPage is how many orders one page of /me/orders lists.
const ordersPerPage = 10

// orderView is an order as the tenant's pages show it, with the moves its
// state allows the one looking at it.
type orderView struct {
	events.OrderState
	Place  string // 北京 · 海淀区
	viewer rental.Actor
	today  time.Time // in China, as the order's rules count days
}

func (p *pages) orderView(st events.OrderState, viewer rental.Actor, now time.Time) orderView {
	return orderView{OrderState: st, Place: p.placeName(st.City, st.District), viewer: viewer, today: events.Today(now)}
}

// placeName names a city and district of the catalog: 北京 · 海淀区.
func (p *pages) placeName(city, district string) string {
	c, ok := p.city(city)
	if !ok {
		return joinNonEmpty(" · ", city, district)
	}
	for _, d := range c.Districts {
		if d.Code == district {
			return c.Name + " · " + d.Name
		}
	}
	return joinNonEmpty(" · ", c.Name, district)
}

// URL is the order's page.
func (o orderView) URL() string { return "/me/orders/" + o.ID.String() }

// ListingURL is the page of the listing booked.
func (o orderView) ListingURL() string { return "/listings/" + o.ListingID.String() }

// StateName is the status in Chinese (funcs.go).
func (o orderView) StateName() string { return orderState(o.Status) }

// Length is how long the stay is: 3个月, 2个月10天, 20天.
func (o orderView) Length() string {
	s := ""
	if o.Months > 0 {
		s = strconv.Itoa(o.Months) + "个月"
	}
	if o.Days > 0 || s == "" {
		s += strconv.Itoa(o.Days) + "天"
	}
	return s
}

// Mine reports whether the viewer is the order's tenant: only they pay,
// cancel and review it.
func (o orderView) Mine() bool { return o.viewer.UserID == o.TenantID }

// CanPay: the landlord accepted and the tenant has not paid yet.
func (o orderView) CanPay() bool { return o.Mine() && o.Status == events.OrderStatusWaitPayment }

// CanCancel: the tenant may withdraw until they pay.
func (o orderView) CanCancel() bool {
	return o.Mine() && (o.Status == events.OrderStatusWaitAccept || o.Status == events.OrderStatusWaitPayment)
}

// StayOver reports whether the stay has ended (its end date, the day of
// leaving, is today or earlier).
func (o orderView) StayOver() bool {
	end, err := time.Parse(events.DateLayout, o.EndDate)
	return err == nil && !end.After(o.today)
}

// CanReview: the stay is over and not reviewed yet, as command.Order.Review allows.
func (o orderView) CanReview() bool {
	return o.Mine() && (o.Status == events.OrderStatusWaitComment || (o.Status == events.OrderStatusPaid && o.StayOver()))
}

// Next says what happens next, in the tenant's words.
func (o orderView) Next() string {
	switch o.Status {
	case events.OrderStatusWaitAccept:
		return "已提交，等待房东确认。确认后即可支付。"
	case events.OrderStatusWaitPayment:
		return "房东已确认，请尽快支付。"
	case events.OrderStatusPaid:
		if o.CanReview() {
			return "租期已结束，欢迎评价这次入住。"
		}
		return "已支付，" + date(o.StartDate) + "起入住。"
	case events.OrderStatusWaitComment:
		return "租期已结束，欢迎评价这次入住。"
	case events.OrderStatusComplete:
		return "订单已完成。"
	case events.OrderStatusRejected:
		return "房东未接受该订单。"
	case events.OrderStatusCanceled:
		return "订单已取消。"
	}
	return ""
}

type ordersView struct {
	section
	orderList
	Orders []orderView
}

// myOrders lists the tenant's orders, newest first, in one status or all,
// each with the actions its state allows. After an action (?v=) the list is
// read from MySQL's writer so it already shows it.
func (p *pages) myOrders(c echo.Context) error {
	orders, list, err := p.readOrders(c, query.RoleTenant, "/me/orders", c.QueryParam("status"), pageParam(c), version(c) > 0)
	if err != nil {
		return err
	}
	v := ordersView{section: newMeSection(c, "/me/orders"), orderList: list, Orders: orders}
	return p.render(c, http.StatusOK, "me_orders", "我的订单", v)
}
