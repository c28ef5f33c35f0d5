package httpapi

import (
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/query"
)

func (h handlers) home(c echo.Context) error {
	b, err := h.q.Home.Handle(c.Request().Context(), query.Home{})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) suggest(c echo.Context) error {
	b, err := h.q.Suggest.Handle(c.Request().Context(), query.Suggest{Q: c.QueryParam("q")})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) districtStats(c echo.Context) error {
	b, err := h.q.DistrictStats.Handle(c.Request().Context(), query.DistrictStats{City: c.Param("city"), District: c.Param("district")})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) similarListings(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := h.q.SimilarListings.Handle(c.Request().Context(), query.SimilarListings{Actor: actorOf(c), ListingID: id})
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) availability(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	bad := map[string]string{}
	q := query.Availability{Actor: actorOf(c), ListingID: id, From: queryDate(c, "from", bad), To: queryDate(c, "to", bad)}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.Availability.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeBody(c, b)
}

func (h handlers) listingReviews(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	bad := map[string]string{}
	q := query.ListingReviews{Actor: actorOf(c), ListingID: id, Page: int(queryInt(c, "page", bad)), PageSize: int(queryInt(c, "page_size", bad))}
	if err := rental.Invalid(bad); err != nil {
		return err
	}
	b, err := h.q.ListingReviews.Handle(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return writeBody(c, b)
}
