package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/query"
)

// homeSize is how many cards each section of the home page shows.
const homeSize = 8

type homeView struct {
	City   rental.City
	Total  int
	Counts []cityCount
	// Sections of the current city: 热门 (most booked), 浏览最多, 最新.
	Hot, MostViewed, Newest []listingView
}

type cityCount struct {
	City  rental.City
	Count int
}

// home is the front page of the current city: how many listings each city
// has, the search box, and the sections of cards. Every list is a search of
// the city (the near cache keeps them), so the page is the city's own.
func (p *pages) home(c echo.Context) error {
	city := p.currentCity(c)
	if c.QueryParam("city") == city.Code {
		c.SetCookie(&http.Cookie{Name: CityCookie, Value: city.Code, Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	}
	v := homeView{City: city}
	var answers []answerHash
	for _, s := range []struct {
		sort string
		into *[]listingView
	}{{query.SortBookings, &v.Hot}, {query.SortViews, &v.MostViewed}, {query.SortNewest, &v.Newest}} {
		res, b, err := p.searchPage(c, query.ListingFilter{City: city.Code, Sort: s.sort, PageSize: homeSize})
		if err != nil {
			return err
		}
		*s.into, v.Total = res.Items, res.Total
		answers = append(answers, b)
	}
	for _, cty := range p.cities {
		n := v.Total
		if cty.Code != city.Code {
			res, b, err := p.searchPage(c, query.ListingFilter{City: cty.Code, PageSize: 1})
			if err != nil {
				return err
			}
			n = res.Total
			answers = append(answers, b)
		}
		v.Counts = append(v.Counts, cityCount{City: cty, Count: n})
	}
	key := p.answers.key("home", city.Code, answers...)
	return p.renderShared(c, key, "home", "", Form{}, func() (any, error) { return v, nil })
}

// searchPage runs the search query and decodes its page (once per answer:
// the page is shared, its items are not to be written to).
func (p *pages) searchPage(c echo.Context, f query.ListingFilter) (listingPage, answerHash, error) {
	b, err := p.Queries.SearchListings.Handle(c.Request().Context(), query.SearchListings{Filter: f})
	if err != nil {
		return listingPage{}, answerHash{}, err
	}
	return decodeOnce[listingPage](p, b)
}
