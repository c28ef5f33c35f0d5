package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// listingRoutes are the changes a visitor makes from a listing's page: book
// it (a preview with the server's amount, then confirm) and favorite it.
func (p *pages) listingRoutes(r router) {
	in := r.With(loggedIn)
	in.POST("/listings/:id/book", p.bookListing)
	in.POST("/listings/:id/favorite", p.favoriteListing)
}

// reviewsPerPage is how many reviews the detail page shows at once.
const reviewsPerPage = 5

// calendarMonths is how many months the availability calendar shows.
const calendarMonths = 3

// detailView is everything the detail page draws.
type detailView struct {
	L          listingView
	Photos     []photoView
	Facilities []facilityView
	Published  bool
	Own        bool // the landlord looking at their own listing: no booking
	Visitor    bool // not logged in: booking and favorite ask to log in first
	CanBook    bool // a tenant who may book it
	LoginURL   string
	Book       Form
	Quote      *quoteView
	Today      string
	Notice     string
	Reviews    reviewPage
	ReviewPage pager
	Months     []calMonth
	Similar    []listingView
	Charts     *districtCharts
}

// photoView is one photo of the gallery.
type photoView struct {
	N                  int
	Thumb, Detail, Big string
}

// facilityView is one facility of the catalog, present or not.
type facilityView struct {
	Code, Name string
	Has        bool
	Icon       iconPath
}

type reviewPage struct {
	Items []events.ReviewState `json:"items"`
	Total int                  `json:"total"`
}

// detailNotices say what the last change did, on the page it redirected to.
var detailNotices = map[string]string{
	"favorited":   "已加入收藏，可在“我的收藏”中查看。",
	"unfavorited": "已取消收藏。",
}

// listingDetail is a listing's page.
func (p *pages) listingDetail(c echo.Context) error {
	l, h, err := p.loadListing(c)
	if err != nil {
		return err
	}
	return p.drawDetail(c, http.StatusOK, l, h, Form{}, nil)
}

// loadListing reads the listing of the path, at least at ?v= after a change.
// Its answer's hash names it in the page's key.
func (p *pages) loadListing(c echo.Context) (listingView, answerHash, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return listingView{}, answerHash{}, err
	}
	b, err := p.Queries.ListingDetail.Handle(c.Request().Context(), query.ListingDetail{Actor: actorOf(c), ID: id, MinVersion: version(c)})
	if err != nil {
		return listingView{}, answerHash{}, err
	}
	l, h, err := decodeOnce[listingView](p, b)
	if err != nil {
		return listingView{}, answerHash{}, err
	}
	// The favorite just changed (the redirect says so): show what the user did,
	// even if the read model has not caught up yet.
	switch c.QueryParam("done") {
	case "favorited":
		l.Favorited = true
	case "unfavorited":
		l.Favorited = false
	}
	return l, h, nil
}

// detailAnswers are the answers a listing's page is drawn from, besides the
// listing's own: they name its content for a visitor (answers.go).
type detailAnswers struct {
	reviews, availability, similar, charts query.Body
	reviewPage                             int
	today, calendarStart                   time.Time
}

// drawDetail draws the page with the booking form as given (empty, refused,
// or a preview with its quote).
func (p *pages) drawDetail(c echo.Context, status int, l listingView, lh answerHash, book Form, q *quoteView) error {
	ans, err := p.detailAnswers(c, l)
	if err != nil {
		return err
	}
	c.Set(pageCityKey, l.City) // the top bar says the listing's city, not the one last chosen
	title := l.FullPlace() + " " + l.Layout()
	view := func() (any, error) { return p.detailView(c, l, ans, book, q) }
	if status != http.StatusOK || q != nil || book.Status != 0 || len(book.Values) > 0 {
		v, err := view()
		if err != nil {
			return err
		}
		return p.render(c, status, "listing_detail", title, v)
	}
	key := p.answers.key("listing_detail", c.Request().URL.RequestURI()+"|"+ans.today.Format(events.DateLayout),
		lh, p.answers.of(ans.reviews), p.answers.of(ans.availability), p.answers.of(ans.similar), p.answers.of(ans.charts))
	return p.renderShared(c, key, "listing_detail", title, Form{}, view)
}

// detailAnswers runs the queries the page needs beside the listing's.
func (p *pages) detailAnswers(c echo.Context, l listingView) (detailAnswers, error) {
	ctx := c.Request().Context()
	a := actorOf(c)
	ans := detailAnswers{reviewPage: 1, today: events.Today(p.now())}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		ans.reviewPage = n
	}
	var err error
	if ans.reviews, err = p.Queries.ListingReviews.Handle(ctx, query.ListingReviews{Actor: a, ListingID: l.ID, Page: ans.reviewPage, PageSize: reviewsPerPage}); err != nil {
		return ans, err
	}
	ans.calendarStart = time.Date(ans.today.Year(), ans.today.Month(), 1, 0, 0, 0, 0, time.UTC)
	if ans.availability, err = p.Queries.Availability.Handle(ctx, query.Availability{Actor: a, ListingID: l.ID,
		From: ans.today, To: ans.calendarStart.AddDate(0, calendarMonths, 0)}); err != nil {
		return ans, err
	}
	if l.Status == events.StatusPublished {
		if ans.similar, err = p.Queries.SimilarListings.Handle(ctx, query.SimilarListings{Actor: a, ListingID: l.ID}); err != nil {
			return ans, err
		}
	}
	if l.District != "" {
		ans.charts, err = p.Queries.DistrictStats.Handle(ctx, query.DistrictStats{City: l.City, District: l.District})
		if err != nil && rental.ErrorCode(err) != rental.ENOTFOUND {
			return ans, err
		}
	}
	return ans, nil
}

// detailView decodes the answers into what the page draws.
func (p *pages) detailView(c echo.Context, l listingView, ans detailAnswers, book Form, q *quoteView) (detailView, error) {
	a := actorOf(c)
	v := detailView{
		L: l, Published: l.Status == events.StatusPublished, Visitor: a.Anonymous(),
		Own: a.UserID != uuid.Nil && a.UserID == l.LandlordID, Book: book, Quote: q,
		Today: ans.today.Format(events.DateLayout), Notice: detailNotices[c.QueryParam("done")],
		LoginURL: "/login?next=" + l.URL(),
	}
	v.CanBook = v.Published && !v.Own && a.Has(rental.RoleTenant)
	v.Photos = photosOf(l)
	for _, f := range p.facilities {
		v.Facilities = append(v.Facilities, facilityView{Code: f.Code, Name: f.Name, Has: l.HasFacility(f.Code), Icon: facilityIcon(f.Code)})
	}
	var err error
	if v.Reviews, _, err = decodeOnce[reviewPage](p, ans.reviews); err != nil {
		return v, err
	}
	v.ReviewPage = newPager(ans.reviewPage, reviewsPerPage, v.Reviews.Total, func(n int) string {
		return l.URL() + "?page=" + strconv.Itoa(n) + "#reviews"
	})
	av, _, err := decodeOnce[availabilityAnswer](p, ans.availability)
	if err != nil {
		return v, err
	}
	v.Months = calendarMonthsOf(ans.calendarStart, calendarMonths, ans.today, av.Booked)
	if ans.similar.JSON != nil {
		similar, _, err := decodeOnce[listingPage](p, ans.similar)
		if err != nil {
			return v, err
		}
		v.Similar = similar.Items
	}
	if ans.charts.JSON != nil {
		st, _, err := decodeOnce[districtStats](p, ans.charts)
		if err != nil {
			return v, err
		}
		v.Charts = newDistrictCharts(st, l)
	}
	return v, nil
}

// photosOf is the gallery: the cover first, then the other photos in order.
func photosOf(l listingView) []photoView {
	urls := make([]string, 0, len(l.Images)+1)
	if l.CoverImage != "" {
		urls = append(urls, l.CoverImage)
	}
	for _, im := range l.Images {
		if im.URL != l.CoverImage {
			urls = append(urls, im.URL)
		}
	}
	out := make([]photoView, len(urls))
	for i, u := range urls {
		out[i] = photoView{N: i + 1, Thumb: thumb(u, SizeCard), Detail: thumb(u, SizeDetail), Big: thumb(u, SizeFull)}
	}
	return out
}

// now is the pages' clock (Deps.Now, else the wall clock).
func (p *pages) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}
