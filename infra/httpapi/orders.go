package httpapi

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

func (h handlers) placeOrder(c echo.Context) error {
	var body struct {
		ListingID string `json:"listing_id"`
		StartDate string `json:"start_date"`
		EndDate   string `json:"end_date"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	listing, ok := parseID(body.ListingID)
	if !ok {
		return rental.InvalidField("listing_id", "must be a UUID (36 lower-case characters)")
	}
	res, err := h.cmd.PlaceOrder.Handle(c.Request().Context(), command.PlaceOrder{
		Meta: meta(c), ListingID: listing, StartDate: body.StartDate, EndDate: body.EndDate,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": res.ID, "version": res.Version, "status": res.Status})
}

func (h handlers) acceptOrder(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.AcceptOrder.Handle(c.Request().Context(), command.AcceptOrder{Meta: m, OrderID: id})
	})
}

func (h handlers) payOrder(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.PayOrder.Handle(c.Request().Context(), command.PayOrder{Meta: m, OrderID: id})
	})
}

func (h handlers) cancelOrder(c echo.Context) error {
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.CancelOrder.Handle(c.Request().Context(), command.CancelOrder{Meta: m, OrderID: id})
	})
}

func (h handlers) rejectOrder(c echo.Context) error {
	var body struct {
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.RejectOrder.Handle(c.Request().Context(), command.RejectOrder{Meta: m, OrderID: id, Reason: body.Reason})
	})
}

func (h handlers) reviewOrder(c echo.Context) error {
	var body struct {
		Rating  int    `json:"rating"`
		Content string `json:"content"`
	}
	if err := decodeJSON(c, &body); err != nil {
		return err
	}
	return h.pathCommand(c, func(m command.Meta, id uuid.UUID) (command.Result, error) {
		return h.cmd.ReviewOrder.Handle(c.Request().Context(), command.ReviewOrder{Meta: m, OrderID: id,
			Rating: body.Rating, Content: body.Content})
	})
}

func (h handlers) orderDetail(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	bad := map[string]string{}
	q := query.OrderDetail{Actor: actorOf(c), ID: id, MinVersion: minVersion(c, bad)}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.OrderDetail.Handle(c.Request().Context(), q)
	if err == nil {
		err = reached(c, b, q.MinVersion)
	}
	if err != nil {
		return err
	}
	c.Response().Header().Set("X-Version", strconv.FormatInt(b.Version, 10))
	return writeBody(c, b)
}

func (h handlers) myOrders(c echo.Context) error {
	bad := map[string]string{}
	q := query.MyOrders{Actor: actorOf(c), Role: c.QueryParam("role"), Status: c.QueryParam("status"),
		Page: int(queryInt(c, "page", bad)), PageSize: int(queryInt(c, "page_size", bad))}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.MyOrders.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeBody(c, b)
}
