package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// historyItem is one viewed listing and when it was last viewed.
type historyItem struct {
	ViewedAt time.Time   `json:"viewed_at"`
	Listing  listingView `json:"listing"`
}

type historyView struct {
	section
	Items []historyItem
}

// myHistory is what the user viewed last, most recent first (the query keeps
// the order), with 清空浏览记录. After clearing (?v=N) it reads at least
// that version of the history.
func (p *pages) myHistory(c echo.Context) error {
	b, err := p.Queries.MyHistory.Handle(c.Request().Context(), query.MyHistory{Actor: actorOf(c), MinVersion: version(c)})
	if err != nil {
		return err
	}
	var res struct {
		Items []historyItem `json:"items"`
	}
	if err := decode(b, &res); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "me_history", "浏览记录", historyView{section: newMeSection(c, "/me/history"), Items: res.Items})
}

// clearHistory empties the history with ClearHistory, the command DELETE
// /api/v1/users/me/history runs.
func (p *pages) clearHistory(c echo.Context) error {
	res, err := p.Commands.ClearHistory.Handle(c.Request().Context(), command.ClearHistory{Meta: meta(c)})
	if err != nil {
		return err
	}
	return see303(c, afterChange("/me/history", "/me/history", res.Version, "cleared"))
}
