package httpapi

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

func (h handlers) addFavorite(c echo.Context) error {
	id, err := pathID(c, "listing_id")
	if err != nil {
		return err
	}
	res, err := h.cmd.AddFavorite.Handle(c.Request().Context(), command.AddFavorite{Meta: meta(c), ListingID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"listing_id": id, "favorited": true, "version": res.Version})
}

func (h handlers) removeFavorite(c echo.Context) error {
	id, err := pathID(c, "listing_id")
	if err != nil {
		return err
	}
	res, err := h.cmd.RemoveFavorite.Handle(c.Request().Context(), command.RemoveFavorite{Meta: meta(c), ListingID: id})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"listing_id": id, "favorited": false, "version": res.Version})
}

func (h handlers) myFavorites(c echo.Context) error {
	bad := map[string]string{}
	q := query.MyFavorites{Actor: actorOf(c), Page: int(queryInt(c, "page", bad)), PageSize: int(queryInt(c, "page_size", bad))}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.MyFavorites.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) myHistory(c echo.Context) error {
	b, err := h.q.MyHistory.Handle(c.Request().Context(), query.MyHistory{Actor: actorOf(c)})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) clearHistory(c echo.Context) error {
	res, err := h.cmd.ClearHistory.Handle(c.Request().Context(), command.ClearHistory{Meta: meta(c)})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"version": res.Version})
}

func (h handlers) recommendations(c echo.Context) error {
	b, err := h.q.Recommendations.Handle(c.Request().Context(), query.Recommendations{Actor: actorOf(c)})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}
