package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/query"
)

type detailView struct {
	L listingView
}

// listingDetail is a listing's page.
func (p *pages) listingDetail(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := p.Queries.ListingDetail.Handle(c.Request().Context(), query.ListingDetail{Actor: actorOf(c), ID: id, MinVersion: version(c)})
	if err != nil {
		return err
	}
	var v detailView
	if err := decode(b, &v.L); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "listing_detail", v.L.FullPlace()+" "+v.L.Layout(), v)
}
