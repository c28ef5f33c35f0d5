package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

// detailListing publishes a full listing with two photos and a reference
// number in haidian, and a second one beside it; it returns the first's id.
func detailListing(t *testing.T, sys *testenv.System, landlord *testenv.Client) string {
	t.Helper()
	body := flat("海淀 知春里 南向两居", 6000, "haidian", 2)
	body["reference"] = "BJ-2024-007"
	body["facilities"] = []string{"wifi", "fridge", "washer", "elevator"}
	id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
	landlord.Must(http.StatusCreated, "POST", "/listings/"+id+"/images", map[string]any{"url": "https://img.example.com/a.jpg"})
	landlord.Must(http.StatusCreated, "POST", "/listings/"+id+"/images", map[string]any{"url": "https://img.example.com/b.jpg"})
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	publish(t, sys, landlord, flat("海淀 知春里 温馨一居", 4200, "haidian", 1))
	waitSearchable(t, sys, id)
	return id
}

func waitSearchable(t *testing.T, sys *testenv.System, id string) {
	t.Helper()
	anon := sys.Client()
	testenv.Eventually(t, 10*time.Second, func() string {
		if r := anon.Do("GET", "/listings/"+id, nil); r.Status != http.StatusOK {
			return fmt.Sprintf("listing %s: %d", id, r.Status)
		}
		return ""
	})
}

func TestDetail_showsEveryFieldTheGalleryFacilitiesCalendarReviewsSimilarAndCharts(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("detail-landlord@example.com", "landlord")
	id := detailListing(t, sys, landlord)

	b := newBrowser(t, sys)
	p := b.must(http.StatusOK, "/listings/"+id)
	p.contains(t, "海淀区-中关村-知春里小区 2室1厅1卫", "海淀 知春里 南向两居", `id="detail-price">￥6,000<`,
		`id="fact-layout">2室1厅1卫<`, `id="fact-area">80㎡<`, `id="fact-orientation">南<`, `id="fact-floor">6/18层<`,
		`id="fact-rent-type">整租<`, `id="fact-community">知春里小区<`, `id="fact-reference">BJ-2024-007<`, "知春路 1 号",
		`id="detail-deposit">￥6,000<`, `id="detail-min-months">1<`, `id="fact-contact"`,
		"近地铁，南北通透", "距地铁10号线知春路站 500 米", "精装修，拎包入住", "人浏览过", "暂无评分", "发布",
		// the gallery: both photos, the thumbnails
		`id="photo-1" href="https://img.example.com/a.jpg"`, `id="photo-2"`, `href="#photo-2"`,
		// the calendar, reviews, similar listings, charts
		`id="calendar"`, "可租日历", `id="no-reviews"`, `id="similar"`, "海淀 知春里 温馨一居",
		`id="chart-scatter"`, `id="chart-bedrooms"`, `id="chart-communities"`, `id="chart-prices"`, "<title>本房源：面积 80㎡，月租 ￥6,000</title>",
		`href="#chart-scatter">全屏<`,
		// a visitor is asked to log in to favorite and book
		`id="favorite-btn" href="/login?next=/listings/`+id+`"`, `id="booking-login"`)

	// Every facility of the catalog is drawn, present ones highlighted.
	var facs struct {
		Facilities []struct{ Code, Name string } `json:"facilities"`
	}
	if err := json.Unmarshal(sys.Client().Do("GET", "/facilities", nil).Body, &facs); err != nil || len(facs.Facilities) != 10 {
		t.Fatalf("the catalog's facilities: %v %d", err, len(facs.Facilities))
	}
	for _, f := range facs.Facilities {
		want := "no"
		switch f.Code {
		case "wifi", "fridge", "washer", "elevator":
			want = "yes"
		}
		p.contains(t, fmt.Sprintf(`<li class="%s" data-facility="%s">`, want, f.Code))
	}

	// A draft is the landlord's alone; a made-up id is the 404 page.
	b.must(http.StatusNotFound, "/listings/00000000-0000-4000-8000-000000000000")
	b.must(http.StatusNotFound, "/listings/not-a-uuid")
}

func TestDetail_aListingWithoutPhotosShowsAPlaceholder(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("photos-landlord@example.com", "landlord")
	bare := landlord.Must(http.StatusCreated, "POST", "/listings", flat("无图房源", 3000, "haidian", 1))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+bare+"/publish", nil)
	b := newBrowser(t, sys)
	b.must(http.StatusOK, "/listings/"+bare).contains(t, `id="no-photo"`, "暂无图片")
}

func TestDetail_bookingPreviewsTheServersAmountThenConfirmsToTheOrderPage(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("book-landlord@example.com", "landlord")
	id := detailListing(t, sys, landlord)
	b, _ := tenantAt(t, sys, "booker@example.com")
	path := "/listings/" + id

	form := b.must(http.StatusOK, path)
	form.contains(t, `id="booking-form"`, `name="start_date"`, `name="end_date"`, `id="favorite-form"`)

	// Refused dates: the command's message beside the field, what was typed kept.
	past := b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {"2020-01-01"}, "end_date": {"2020-03-01"}})
	if past.Status != http.StatusBadRequest {
		t.Fatalf("dates in the past: %d, want 400", past.Status)
	}
	past.contains(t, `id="e-start_date"`, "不能早于今天", `value="2020-01-01"`, `value="2020-03-01"`, `aria-describedby="e-start_date"`)
	start, _ := stay(5, 2)
	reversed := b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {start}, "end_date": {start}})
	reversed.contains(t, `id="e-end_date"`, "必须晚于入住日期")
	garbage := b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {"明天"}, "end_date": {""}})
	if garbage.Status != http.StatusBadRequest {
		t.Fatalf("not dates: %d", garbage.Status)
	}
	garbage.contains(t, `id="e-start_date"`, "请输入日期", `value="明天"`)

	// The preview shows what the server computes: 2 months and 10 days of 6000 = 14000.
	s, _ := time.Parse("2006-01-02", start)
	end := s.AddDate(0, 2, 10).Format("2006-01-02")
	preview := b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {start}, "end_date": {end}})
	if preview.Status != http.StatusOK {
		t.Fatalf("preview: %d %s", preview.Status, excerpt(preview.Body))
	}
	preview.contains(t, `id="quote-amount">￥14,000<`, `id="quote-stay">2个月又10天<`, `id="booking-confirm"`,
		`name="step" value="confirm"`, `name="start_date" value="`+start+`"`)

	// Without the CSRF token the confirmation is refused and nothing is booked.
	forged := b.postRaw(path+"/book", url.Values{"step": {"confirm"}, "start_date": {start}, "end_date": {end}})
	if forged.Status != http.StatusForbidden {
		t.Fatalf("a booking without its CSRF token: %d, want 403", forged.Status)
	}

	key := regexp.MustCompile(`name="_key" value="([^"]+)"`).FindStringSubmatch(preview.Body)[1]
	confirm := url.Values{"step": {"confirm"}, "start_date": {start}, "end_date": {end}, "_key": {key}}
	done := b.post(path+"/book", confirm)
	seeOther(t, "confirm", done, `^/me/orders/[0-9a-f-]{36}\?v=\d+$`)
	order := b.must(http.StatusOK, done.Location)
	order.contains(t, "待房东确认", "￥14,000")
	// The same form sent twice (a double click) places one order.
	seeOther(t, "confirm again", b.post(path+"/book", confirm), "^"+regexp.QuoteMeta(strings.Split(done.Location, "?")[0]))

	// Those dates are now taken: the calendar marks them, and booking them again is refused beside the date.
	after := b.must(http.StatusOK, path)
	after.contains(t, `data-date="`+start+`" class="booked`)
	other, _ := tenantAt(t, sys, "second@example.com")
	taken := other.post(path+"/book", url.Values{"step": {"confirm"}, "start_date": {start}, "end_date": {end}})
	if taken.Status != http.StatusConflict {
		t.Fatalf("taken dates: %d, want 409", taken.Status)
	}
	taken.contains(t, `id="e-start_date"`, "所选日期已被预订", `value="`+start+`"`)

	// A logged-out visitor posting the form is sent to log in.
	anon := newBrowser(t, sys)
	seeOther(t, "a visitor books", anon.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {start}, "end_date": {end}}), `^/login\?next=`)
	// The landlord sees no booking form on their own listing.
	lb := newBrowser(t, sys)
	if p := lb.login("book-landlord@example.com", "correct-horse", path); p.Status != http.StatusSeeOther {
		t.Fatalf("landlord login: %d", p.Status)
	}
	own := lb.must(http.StatusOK, path)
	own.contains(t, `id="booking-own"`)
	own.lacks(t, `id="booking-form"`, `id="favorite-form"`)
}

func TestDetail_favoriteTogglesWithTheCommandAndCSRF(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("fav-landlord@example.com", "landlord")
	id := detailListing(t, sys, landlord)
	b, api := tenantAt(t, sys, "faver@example.com")
	path := "/listings/" + id

	b.must(http.StatusOK, path).contains(t, `aria-pressed="false"`, "☆ 收藏", `name="on" value="1"`)
	if p := b.postRaw(path+"/favorite", url.Values{"on": {"1"}}); p.Status != http.StatusForbidden {
		t.Fatalf("a favorite without its CSRF token: %d, want 403", p.Status)
	}
	on := b.post(path+"/favorite", url.Values{"on": {"1"}})
	seeOther(t, "favorite", on, `^/listings/`+id+`\?done=favorited&v=\d+#favorite$`)
	b.must(http.StatusOK, on.Location).contains(t, `aria-pressed="true"`, "★ 已收藏", `name="on" value="0"`, "已加入收藏")
	favs := api.Must(http.StatusOK, "GET", "/users/me/favorites", nil)
	if n := len(favs["items"].([]any)); n != 1 {
		t.Fatalf("the API sees %d favorites, want 1", n)
	}
	// The script's request gets JSON.
	req, _ := http.NewRequest("POST", sys.URL+path+"/favorite", strings.NewReader(url.Values{"on": {"0"}, "_csrf": {b.csrf()}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	off := b.do(req)
	if off.Status != http.StatusOK || !strings.Contains(off.Body, `"favorited":false`) {
		t.Fatalf("the script's unfavorite: %d %s", off.Status, off.Body)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := b.must(http.StatusOK, path); !strings.Contains(p.Body, `aria-pressed="false"`) {
			return "still favorited"
		}
		return ""
	})
	// A visitor is sent to log in.
	seeOther(t, "a visitor favorites", newBrowser(t, sys).post(path+"/favorite", url.Values{"on": {"1"}}), `^/login\?next=`)
}
