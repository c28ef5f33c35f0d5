package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
)

// favoriteListing is the 收藏/已收藏 toggle: on=1 runs AddFavorite, else
// RemoveFavorite, the commands PUT and DELETE
// /api/v1/users/me/favorites/{id} run. The form goes back to the listing
// with ?v=; app.js posts it in the background (Accept: application/json)
// and flips the button from the answer.
func (p *pages) favoriteListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, on := c.Request().Context(), c.FormValue("on") == "1"
	var res command.Result
	if on {
		res, err = p.Commands.AddFavorite.Handle(ctx, command.AddFavorite{Meta: meta(c), ListingID: id})
	} else {
		res, err = p.Commands.RemoveFavorite.Handle(ctx, command.RemoveFavorite{Meta: meta(c), ListingID: id})
	}
	if err != nil {
		return err
	}
	if strings.Contains(c.Request().Header.Get(echo.HeaderAccept), echo.MIMEApplicationJSON) {
		return c.JSON(http.StatusOK, map[string]any{"listing_id": id, "favorited": on, "version": res.Version})
	}
	done := "unfavorited"
	if on {
		done = "favorited"
	}
	return see303(c, afterChange("/listings/"+id.String(), "/", max(res.Version, 1), done)+"#favorite")
}
