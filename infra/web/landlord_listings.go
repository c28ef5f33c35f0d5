package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// listingsPerPage is how many listings one page of /landlord/listings shows.
const listingsPerPage = 10

type myListingsView struct {
	section
	Items   []ownListing
	Total   int
	Status  string
	Filters []orderFilter
	Pager   pager
	Back    string // this page, where every action comes back to
}

// StatusName is the tab's status in Chinese.
func (v myListingsView) StatusName() string { return listingStatusName(v.Status) }

// PagerQuery is what the pager's jump box keeps: the tab.
func (v myListingsView) PagerQuery() url.Values {
	if v.Status == "" {
		return nil
	}
	return url.Values{"status": {v.Status}}
}

// myListings is the landlord's listings in every status (or one, by tab),
// newest first, each with the moves its status allows. After a change (?v=)
// the list is read from MySQL's writer, so it already shows it.
func (p *pages) myListings(c echo.Context) error {
	return p.drawMyListings(c, c.QueryParam("status"), pageParam(c), Form{})
}

// drawMyListings draws a page of the list; f carries a refused action's message.
func (p *pages) drawMyListings(c echo.Context, status string, page int, f Form) error {
	switch status {
	case events.StatusDraft, events.StatusPublished, events.StatusUnpublished:
	default:
		status = ""
	}
	b, err := p.Queries.MyListings.Handle(c.Request().Context(), query.MyListings{
		Actor: actorOf(c), Status: status, Page: page, PageSize: listingsPerPage, Fresh: version(c) > 0 || f.Failed(),
	})
	if err != nil {
		return err
	}
	var res listingPage
	if err := decode(b, &res); err != nil {
		return err
	}
	const path = "/landlord/listings"
	if last := (res.Total + listingsPerPage - 1) / listingsPerPage; len(res.Items) == 0 && page > 1 && last >= 1 && page > last {
		// The last listing of the last page went (deleted, or moved to another tab).
		q := c.QueryParams()
		q.Set("page", itoa(last))
		return see303(c, path+"?"+q.Encode())
	}
	v := myListingsView{section: newLandlordSection(c, path), Total: res.Total, Status: status, Back: listURL(path, status, page)}
	for _, l := range res.Items {
		v.Items = append(v.Items, ownListing{l})
	}
	v.Filters = append(v.Filters, orderFilter{Name: "全部", URL: listURL(path, "", 1), Current: status == ""})
	for _, s := range listingStatuses {
		v.Filters = append(v.Filters, orderFilter{Status: s.code, Name: s.name, URL: listURL(path, s.code, 1), Current: s.code == status})
	}
	v.Pager = newPager(page, listingsPerPage, res.Total, func(n int) string { return listURL(path, status, n) })
	return p.renderForm(c, "landlord_listings", "我的房源", f, v)
}

// listingsAgain draws the list the refused action's form came from, with the
// refusal's message above it.
func (p *pages) listingsAgain(c echo.Context) func(Form) error {
	return func(f Form) error {
		status, page := listState(c.FormValue("back"))
		return p.drawMyListings(c, status, page, f)
	}
}

// publishListing puts a listing on the market with PublishListing. A listing
// that lacks what publishing needs opens its form with each missing field
// marked, so the landlord fills them in there.
func (p *pages) publishListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := p.Commands.PublishListing.Handle(c.Request().Context(), command.PublishListing{Meta: meta(c), ListingID: id})
	if err != nil {
		err = notMine(err)
		if rental.ErrorCode(err) == rental.EINVALID {
			return p.publishRefused(c, id, err)
		}
		return p.fail(c, err, p.listingsAgain(c))
	}
	return see303(c, afterChange(c.FormValue("back"), "/landlord/listings", res.Version, "published"))
}

// unpublishListing takes a listing off the market with UnpublishListing.
func (p *pages) unpublishListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	res, err := p.Commands.UnpublishListing.Handle(c.Request().Context(), command.UnpublishListing{Meta: meta(c), ListingID: id})
	if err != nil {
		return p.fail(c, notMine(err), p.listingsAgain(c))
	}
	return see303(c, afterChange(c.FormValue("back"), "/landlord/listings", res.Version, "unpublished"))
}

type deleteView struct {
	section
	L    ownListing
	Back string
}

// deleteListing removes a listing with DeleteListing once the landlord
// confirmed: the button's script asks and sends confirmed=1; without the
// script a page of its own asks first. A listing that orders still hold is
// refused with the command's reason above the list.
func (p *pages) deleteListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	back := localPath(c.FormValue("back"), "/landlord/listings")
	if c.FormValue("confirmed") != "1" {
		l, err := p.ownListingOf(c, id, 0)
		if err != nil {
			return err
		}
		return p.render(c, http.StatusOK, "landlord_delete", "删除房源", deleteView{
			section: newLandlordSection(c, "/landlord/listings"), L: l, Back: back,
		})
	}
	res, err := p.Commands.DeleteListing.Handle(c.Request().Context(), command.DeleteListing{Meta: meta(c), ListingID: id})
	if err != nil {
		return p.fail(c, notMine(err), p.listingsAgain(c))
	}
	if strings.HasPrefix(back, landlordListingPath(id)) {
		back = "/landlord/listings" // the listing's own pages are gone with it
	}
	return see303(c, afterChange(back, "/landlord/listings", res.Version, "deleted"))
}
