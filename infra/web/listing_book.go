package web

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// quoteView is the preview of a booking: the stay and what it costs, by
// command.Quote, the rule PlaceOrder applies.
type quoteView struct {
	Start, End   string
	Months, Days int
	Monthly      int64
	Amount       int64
	Deposit      int64
}

// Stay is the length of the stay in words: 3个月又10天.
func (q quoteView) Stay() string {
	s := ""
	if q.Months > 0 {
		s = strconv.Itoa(q.Months) + "个月"
	}
	if q.Days > 0 {
		if s != "" {
			s += "又"
		}
		s += strconv.Itoa(q.Days) + "天"
	}
	return s
}

// bookListing is the booking form in two steps. The first (step=preview)
// checks the dates by the command's own rules and draws the amount; the
// second (step=confirm) places the order with PlaceOrder, as
// POST /api/v1/orders does, and goes to the order's page with its version.
// A refusal draws the form again with the message beside the date it is
// about, keeping what was typed.
func (p *pages) bookListing(c echo.Context) error {
	l, lb, err := p.loadListing(c)
	if err != nil {
		return err
	}
	start, end := c.FormValue("start_date"), c.FormValue("end_date")
	again := func(f Form) error { return p.drawDetail(c, f.Status, l, lb, f, nil) }
	if c.FormValue("step") != "confirm" {
		stay, amount, err := command.Quote(start, end, l.Price, l.MinMonths, p.now())
		if err != nil {
			return p.fail(c, err, again)
		}
		if err := p.checkFree(c, l, stay); err != nil {
			return p.fail(c, err, again)
		}
		q := &quoteView{Start: start, End: end, Months: stay.Months, Days: stay.Days, Monthly: l.Price, Amount: amount, Deposit: l.Deposit}
		return p.drawDetail(c, 200, l, lb, formOf(c), q)
	}
	res, err := p.Commands.PlaceOrder.Handle(c.Request().Context(), command.PlaceOrder{
		Meta: meta(c), ListingID: l.ID, StartDate: start, EndDate: end,
	})
	if err != nil {
		if rental.ErrorCode(err) == rental.ECONFLICT && len(rental.ErrorFields(err)) == 0 {
			// The dates are taken: say so beside them.
			f := formOf(c)
			f.Status = status[rental.ECONFLICT]
			f.Errors = map[string]string{"start_date": zhMessage(rental.ErrorMessage(err))}
			return again(f)
		}
		if rental.ErrorCode(err) == rental.EFORBIDDEN {
			f := formOf(c).withError(err)
			return again(f)
		}
		return p.fail(c, err, again)
	}
	return see303(c, withVersion(orderPath(res.ID), res.Version))
}

// checkFree refuses a preview whose dates orders already hold, naming them
// beside the move-in date, so the tenant is not shown a price for dates
// PlaceOrder would refuse. PlaceOrder still decides (under the listing's
// lock): the dates may be taken between the preview and the confirmation.
func (p *pages) checkFree(c echo.Context, l listingView, stay command.Stay) error {
	b, err := p.Queries.Availability.Handle(c.Request().Context(), query.Availability{
		Actor: actorOf(c), ListingID: l.ID, From: stay.Start, To: stay.End,
	})
	if err != nil {
		return err
	}
	var av struct {
		Booked []bookedRange `json:"booked"`
	}
	if err := decode(b, &av); err != nil {
		return err
	}
	if len(av.Booked) == 0 {
		return nil
	}
	taken := make([]string, 0, len(av.Booked))
	for _, r := range av.Booked {
		taken = append(taken, date(r.StartDate)+"至"+date(r.EndDate))
	}
	msg := "所选日期已被预订（" + strings.Join(taken, "、") + "），请换个日期"
	return &rental.Error{Code: rental.ECONFLICT, Message: msg, Fields: map[string]string{"start_date": msg}}
}
