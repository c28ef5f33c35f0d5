package web

import (
	"strconv"
	"strings"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/query"
)

// listingView is a listing as pages show it: the listing document, and what
// the detail query adds (views, favorited).
type listingView struct {
	events.ListingState
	Views     int64 `json:"views"`
	Favorited bool  `json:"favorited"`
	// LandlordContact is there for a logged-in reader (query.ListingDetail).
	LandlordContact *query.Contact `json:"landlord_contact"`
}

// listingPage is a page of listings (search, favorites, my listings).
type listingPage struct {
	Items    []listingView `json:"items"`
	Total    int           `json:"total"`
	Page     int           `json:"page"`
	PageSize int           `json:"page_size"`
}

// Layout is the 户型: 2室1厅1卫.
func (l listingView) Layout() string { return roomLayout(l.ListingState) }

// Place is 区-商圈 (district and block).
func (l listingView) Place() string { return joinNonEmpty("-", l.DistrictName, l.Block) }

// FullPlace is 区-商圈-小区.
func (l listingView) FullPlace() string {
	return joinNonEmpty("-", l.DistrictName, l.Block, l.Community)
}

// Cover is the photo a card shows: the cover, else the first image, else "".
func (l listingView) Cover() string {
	if l.CoverImage != "" {
		return l.CoverImage
	}
	if len(l.Images) > 0 {
		return l.Images[0].URL
	}
	return ""
}

// URL is the listing's detail page.
func (l listingView) URL() string { return "/listings/" + l.ID.String() }

// Area is the floor area: 89.5㎡.
func (l listingView) Area() string { return area(l.AreaSqm) }

// HasFacility reports whether the listing has a facility (by code).
func (l listingView) HasFacility(code string) bool {
	for _, f := range l.Facilities {
		if f == code {
			return true
		}
	}
	return false
}

func joinNonEmpty(sep string, parts ...string) string {
	keep := parts[:0:0]
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// itoa is for building URLs.
func itoa(n int) string { return strconv.Itoa(n) }
