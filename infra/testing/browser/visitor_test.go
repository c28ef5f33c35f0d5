package browser_test

import (
	"fmt"
	"image/color"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/browser"
	"github.com/zufang/rental/infra/testing/testenv"
)

// A visitor searches with filters, pages, opens a listing and sees its
// photos, calendar and district charts; a tenant then logs in, favorites it
// without a reload, and books it through the preview and the confirmation.
func TestVisitor_searchesPagesOpensADetailThenATenantFavoritesAndBooks(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("visitor-landlord@example.com", "landlord")
	sys.Register("visitor-tenant@example.com", "tenant")

	// The listing to find is the oldest of 24 two-bedroom flats in 海淀, so
	// the newest-first results show it on page 2.
	target := listing(t, sys, landlord, "海淀 知春里 南向两居 带阳台", 6000, "haidian")
	for i := range 23 {
		listing(t, sys, landlord, fmt.Sprintf("海淀 两居 %d 号", i+1), 4000+i*150, "haidian")
	}
	listing(t, sys, landlord, "朝阳 两居", 5000, "chaoyang") // filtered out by the district

	b := browser.Start(t, sys.URL)

	// The landlord adds two photos to it from their photos page.
	l := b.User("landlord")
	l.Open("/login?next=/landlord/listings/" + target + "/photos")
	if st := l.LogIn("visitor-landlord@example.com", password); st != http.StatusOK {
		t.Fatalf("landlord login: %d", st)
	}
	for i, c := range []color.RGBA{{120, 180, 235, 255}, {240, 228, 205, 255}} {
		l.Upload("#f-photo", writePNG(t, fmt.Sprintf("room%d.png", i), 800, 600, c, color.RGBA{90, 130, 80, 255}))
		if st := l.Click("#upload-submit"); st != http.StatusOK {
			t.Fatalf("upload %d: %d", i, st)
		}
	}

	// A visitor searches 海淀, two bedrooms.
	p := b.User("visitor")
	p.Open("/listings?city=beijing")
	p.Choose("#f-district", "haidian")
	p.Choose("#f-bedrooms", "2")
	if st := p.Click("#filter-submit"); st != http.StatusOK {
		t.Fatalf("the search: %d", st)
	}
	if q := p.URL().Query(); q.Get("district") != "haidian" || q.Get("bedrooms") != "2" {
		t.Fatalf("the filters are in the URL: %s", p.URL())
	}
	if s := p.Text("#result-total"); !strings.Contains(s, "24") {
		t.Fatalf("the result count: %q", s)
	}
	if st := p.Click("#page-next"); st != http.StatusOK || p.URL().Query().Get("page") != "2" || p.URL().Query().Get("district") != "haidian" {
		t.Fatalf("page 2 keeps the filters: %d %s", st, p.URL())
	}
	row := fmt.Sprintf(`#results [data-listing="%s"] h3 a`, target)
	if st := p.Click(row); st != http.StatusOK || p.URL().Path != "/listings/"+target {
		t.Fatalf("opening the listing from page 2: %d %s", st, p.Path())
	}

	// The detail: heading, price, the two photos, the calendar, the charts.
	if h := p.Text("#detail-title"); h != "海淀区-中关村-知春里小区 2室1厅1卫" {
		t.Fatalf("the heading: %q", h)
	}
	if s := p.Text("#detail-price"); s != "￥6,000" {
		t.Fatalf("the price: %q", s)
	}
	if n := p.Count("#gallery .gallery-slide img"); n != 2 {
		t.Fatalf("the gallery shows %d photos, want 2", n)
	}
	if src := p.Attr("#photo-1 img", "src"); !strings.HasPrefix(src, "/photos/") || !strings.HasSuffix(src, "?s=detail") {
		t.Fatalf("the gallery's photo is the store's, at detail size: %q", src)
	}
	if src := p.Attr(".gallery-thumbs img", "src"); !strings.HasSuffix(src, "?s=card") {
		t.Fatalf("the thumbnails are card size: %q", src)
	}
	if n := p.Count("#calendar .month"); n != 3 {
		t.Fatalf("the calendar shows %d months", n)
	}
	for _, c := range []string{"#chart-scatter svg", "#chart-bedrooms svg", "#chart-communities svg", "#chart-prices svg"} {
		if !p.Has(c) {
			t.Fatalf("no %s", c)
		}
	}
	if n := p.Count("#chart-scatter circle"); n < 24 {
		t.Fatalf("the scatter shows %d points", n)
	}
	if n := p.Count("#facilities li.yes"); n != 2 {
		t.Fatalf("%d facilities highlighted, want 2 (wifi, washer)", n)
	}
	p.Shot("detail")
	// A chart opens full screen (its :target), and closes.
	p.Press("#chart-scatter .chart-open")
	if pos := browser.Eval[string](p, `getComputedStyle(document.querySelector('#chart-scatter')).position`); pos != "fixed" {
		t.Fatalf("the full-screen chart is %q", pos)
	}
	p.Shot("detail-chart-full")
	p.Press("#chart-scatter .chart-close")
	// The close is a same-page navigation (#charts): let it finish, or the
	// next click may see it instead of the page it leads to.
	for i := 0; browser.Eval[string](p, `location.hash`) != "#charts"; i++ {
		if i > 100 {
			t.Fatal("the full-screen chart did not close")
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A visitor's 收藏 asks to log in, and the login comes back here.
	if st := p.Click("#favorite-btn"); st != http.StatusOK || p.URL().Path != "/login" {
		t.Fatalf("a visitor's favorite: %d %s", st, p.Path())
	}
	if st := p.LogIn("visitor-tenant@example.com", password); st != http.StatusOK || p.URL().Path != "/listings/"+target {
		t.Fatalf("after the login the tenant is back on the listing: %d %s", st, p.Path())
	}

	// 收藏 without a reload: the page's marker survives, the button flips.
	browser.Eval[bool](p, `window.__samePage = true`)
	p.Press("#favorite-btn")
	testenv.Eventually(t, 10*time.Second, func() string {
		if s := p.Text("#favorite-btn"); s != "★ 已收藏" {
			return "the button says " + s
		}
		return ""
	})
	if !browser.Eval[bool](p, `window.__samePage === true`) {
		t.Fatal("the favorite reloaded the page")
	}
	tenantAPI := apiLogin(t, sys, "visitor-tenant@example.com", password)
	if items := tenantAPI.Must(http.StatusOK, "GET", "/users/me/favorites", nil)["items"].([]any); len(items) != 1 {
		t.Fatalf("the API sees %d favorites", len(items))
	}

	// Booking: dates that are refused show the message beside the field.
	setDate := func(sel, v string) {
		browser.Eval[bool](p, fmt.Sprintf(`(document.querySelector(%q).value = %q, true)`, sel, v))
	}
	start, _ := firstOfMonth(5, 2)
	setDate("#f-start_date", start)
	setDate("#f-end_date", start)
	if st := p.Click("#booking-preview"); st != http.StatusBadRequest {
		t.Fatalf("an empty stay: %d", st)
	}
	if s := p.Text("#e-end_date"); !strings.Contains(s, "必须晚于入住日期") || p.Value("#f-start_date") != start {
		t.Fatalf("the message beside the end date: %q, start kept %q", s, p.Value("#f-start_date"))
	}
	s, _ := time.Parse("2006-01-02", start)
	end := s.AddDate(0, 2, 10).Format("2006-01-02")
	setDate("#f-end_date", end)
	if st := p.Click("#booking-preview"); st != http.StatusOK {
		t.Fatalf("the preview: %d", st)
	}
	if a := p.Text("#quote-amount"); a != "￥14,000" {
		t.Fatalf("the preview's amount (2 months and 10 days of 6000): %q", a)
	}
	p.Shot("detail-booking-preview")
	if st := p.Click("#booking-confirm"); st != http.StatusOK {
		t.Fatalf("the confirmation: %d", st)
	}
	if !regexp.MustCompile(`^/me/orders/[0-9a-f-]{36}$`).MatchString(p.URL().Path) || p.URL().Query().Get("v") == "" {
		t.Fatalf("the confirmation lands on the order's page with its version: %s", p.URL())
	}
	if st, a := p.Text("#order-state"), p.Text("#order-amount"); st != "待房东确认" || a != "￥14,000" {
		t.Fatalf("the new order: %q %q", st, a)
	}
}
