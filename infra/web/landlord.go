package web

import (
	"net/url"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// What the landlord's pages share: the tab bar, the notices a change leaves,
// the landlord's own listing as the pages show it, and the rule that a
// listing of someone else does not exist here.

var landlordTabs = []tab{
	{"/landlord/listings", "我的房源", "tab-listings"},
	{"/landlord/listings/new", "发布房源", "tab-new"},
	{"/landlord/orders", "房源订单", "tab-landlord-orders"},
}

// landlordNotices say what a change did, on the page it redirected to (?done=).
var landlordNotices = map[string]string{
	"created":     "房源已保存为草稿。上传照片、设好封面后即可发布。",
	"saved":       "修改已保存。",
	"published":   "房源已上架，租客现在可以搜索到它。",
	"unpublished": "房源已下架，不再出现在搜索结果中；已有订单照常进行。",
	"deleted":     "房源已删除。",
	"uploaded":    "照片已上传。",
	"cover":       "封面已更换。",
	"removed":     "照片已删除。",
	"accepted":    "已接受订单，等待租客支付。",
	"rejected":    "已拒绝订单，所选日期已重新开放预订。",
}

func newLandlordSection(c echo.Context, current string) section {
	return newSection(c, landlordTabs, landlordNotices, current)
}

// listingStatuses name a listing's statuses in Chinese, in the order of the tabs.
var listingStatuses = []struct{ code, name string }{
	{events.StatusDraft, "草稿"},
	{events.StatusPublished, "已上架"},
	{events.StatusUnpublished, "已下架"},
}

func listingStatusName(code string) string {
	for _, s := range listingStatuses {
		if s.code == code {
			return s.name
		}
	}
	return code
}

// ownListing is one of the landlord's listings, with the moves its status allows.
type ownListing struct {
	listingView
}

func (l ownListing) StatusName() string { return listingStatusName(l.Status) }

// CanPublish: a draft or an unpublished listing may go (back) on the market.
func (l ownListing) CanPublish() bool {
	return l.Status == events.StatusDraft || l.Status == events.StatusUnpublished
}

// CanUnpublish: only a published listing can be taken off the market.
func (l ownListing) CanUnpublish() bool { return l.Status == events.StatusPublished }

func (l ownListing) EditURL() string   { return landlordListingPath(l.ID) + "/edit" }
func (l ownListing) PhotosURL() string { return landlordListingPath(l.ID) + "/photos" }

// Free is how many more photos the listing takes.
func (l ownListing) Free() int { return max(command.MaxImages-len(l.Images), 0) }

func landlordListingPath(id uuid.UUID) string { return "/landlord/listings/" + id.String() }

// ownListingOf reads one of the acting landlord's listings, at least at
// version minVersion (after a change). Anyone else's listing is not found,
// published or not, as a stranger's order is: a landlord's pages never show
// another landlord's listing.
func (p *pages) ownListingOf(c echo.Context, id uuid.UUID, minVersion int64) (ownListing, error) {
	a := actorOf(c)
	b, err := p.Queries.ListingDetail.Handle(c.Request().Context(), query.ListingDetail{Actor: a, ID: id, MinVersion: minVersion})
	if err != nil {
		return ownListing{}, err
	}
	var l ownListing
	if err := decode(b, &l.listingView); err != nil {
		return ownListing{}, err
	}
	if l.LandlordID != a.UserID {
		return ownListing{}, rental.Errorf(rental.ENOTFOUND, "listing %s not found", id)
	}
	return l, nil
}

// notMine turns a listing command's "only the listing's landlord" refusal
// into the listing not being found, as ownListingOf answers: the landlord
// role is checked before (landlordOnly), so only the owner is left.
func notMine(err error) error {
	if rental.ErrorCode(err) == rental.EFORBIDDEN {
		return rental.Errorf(rental.ENOTFOUND, "listing not found")
	}
	return err
}

// listURL is a list page with its tab (status) and page.
func listURL(path, status string, page int) string {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if page > 1 {
		q.Set("page", strconv.Itoa(page))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// listState reads the tab and page a list page was on from a local URL (the
// back field of a form), for drawing it again after a refusal.
func listState(back string) (status string, page int) {
	u, err := url.Parse(back)
	if err != nil {
		return "", 1
	}
	page, err = strconv.Atoi(u.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	return u.Query().Get("status"), page
}
