package web

import (
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
)

// The tenant's moves on an order, each the command the JSON API's
// POST /api/v1/orders/{id}/<move> runs. Each form carries back (the page it
// was on: the list or the order) and returns there with ?v=<new version>.
// A refusal (a conflict: the order moved on meanwhile) draws the order's
// page with the message; a stranger's order is the 404 page.

// payOrder pays an accepted order with PayOrder.
func (p *pages) payOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := p.Commands.PayOrder.Handle(c.Request().Context(), command.PayOrder{Meta: meta(c), OrderID: id})
	if err != nil {
		return p.fail(c, err, p.orderAgain(c, id))
	}
	return see303(c, afterChange(c.FormValue("back"), orderPath(id), res.Version, "paid"))
}

// cancelOrder withdraws an order with CancelOrder once the tenant confirmed:
// the button's script asks and sends confirmed=1; without the script the
// order's page asks first.
func (p *pages) cancelOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if c.FormValue("confirmed") != "1" {
		return p.drawOrder(c, 200, id, orderPageView{ConfirmCancel: true})
	}
	res, err := p.Commands.CancelOrder.Handle(c.Request().Context(), command.CancelOrder{Meta: meta(c), OrderID: id})
	if err != nil {
		return p.fail(c, err, p.orderAgain(c, id))
	}
	return see303(c, afterChange(c.FormValue("back"), orderPath(id), res.Version, "canceled"))
}

// reviewOrder rates a stay that is over (1-5 stars and a comment) with
// ReviewOrder; the order is then complete.
func (p *pages) reviewOrder(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rating, err := strconv.Atoi(strings.TrimSpace(c.FormValue("rating")))
	if err != nil {
		rating = 0 // the command names the field
	}
	res, err := p.Commands.ReviewOrder.Handle(c.Request().Context(), command.ReviewOrder{
		Meta: meta(c), OrderID: id, Rating: rating, Content: c.FormValue("content"),
	})
	if err != nil {
		return p.fail(c, err, p.orderAgain(c, id))
	}
	return see303(c, afterChange(orderPath(id), orderPath(id), res.Version, "reviewed"))
}

// orderAgain draws the order's page after a refused move: the review form
// with its fields' messages, or the refusal's message above the actions.
func (p *pages) orderAgain(c echo.Context, id uuid.UUID) func(Form) error {
	return func(f Form) error {
		return p.drawOrder(c, f.Status, id, orderPageView{Review: f})
	}
}

func orderPath(id uuid.UUID) string { return "/me/orders/" + id.String() }
