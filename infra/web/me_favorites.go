package web

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// favoritesPerPage is how many favorites one page shows (a multiple of the
// card grid's 2, 3 and 4 columns).
const favoritesPerPage = 12

type favoritesView struct {
	section
	Result listingPage
	Pager  pager
	Back   string // this page, where 取消收藏 comes back to
}

// myFavorites is the user's favorites as cards, newest first, paged. After a
// change (?v=) the list is read from MySQL's writer, so it already shows it.
func (p *pages) myFavorites(c echo.Context) error {
	page := pageParam(c)
	b, err := p.Queries.MyFavorites.Handle(c.Request().Context(), query.MyFavorites{
		Actor: actorOf(c), Page: page, PageSize: favoritesPerPage, Fresh: version(c) > 0,
	})
	if err != nil {
		return err
	}
	v := favoritesView{section: newMeSection(c, "/me/favorites")}
	if err := decode(b, &v.Result); err != nil {
		return err
	}
	pageURL := func(n int) string {
		if n <= 1 {
			return "/me/favorites"
		}
		return "/me/favorites?page=" + strconv.Itoa(n)
	}
	if last := (v.Result.Total + favoritesPerPage - 1) / favoritesPerPage; len(v.Result.Items) == 0 && page > 1 && last >= 1 && page > last {
		// The last favorite of the last page was removed: show the page before.
		q := c.QueryParams()
		q.Set("page", strconv.Itoa(last))
		return see303(c, "/me/favorites?"+q.Encode())
	}
	v.Pager = newPager(page, favoritesPerPage, v.Result.Total, pageURL)
	v.Back = pageURL(page)
	return p.render(c, http.StatusOK, "me_favorites", "我的收藏", v)
}

// removeFavorite takes a listing off the favorites with RemoveFavorite, the
// command DELETE /api/v1/users/me/favorites/{id} runs, and goes back to the
// page the button was on.
func (p *pages) removeFavorite(c echo.Context) error {
	id, err := pathID(c, "listing_id")
	if err != nil {
		return err
	}
	res, err := p.Commands.RemoveFavorite.Handle(c.Request().Context(), command.RemoveFavorite{Meta: meta(c), ListingID: id})
	if err != nil {
		return err
	}
	return see303(c, afterChange(c.FormValue("back"), "/me/favorites", max(res.Version, 1), "unfavorite"))
}
