package browser_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/testing/browser"
	"github.com/zufang/rental/infra/testing/testenv"
)

// roomJPEG is a w×h JPEG that looks a little like a room: a wall that
// darkens towards a floor, and a bright window; seed shifts the colours so
// each photo has its own bytes (the store keys photos by content).
func roomJPEG(t *testing.T, w, h, seed int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{byte(230 - y*60/h), byte(220 - y*70/h - seed*9), byte(200 - y*90/h + seed*11), 255}
			if y > h*7/10 {
				c = color.RGBA{byte(150 - seed*7), byte(110 + seed*5), 80, 255}
			}
			if x > w/8 && x < w*3/8 && y > h/6 && y < h/2 {
				c = color.RGBA{200, 228, 250, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// uploadPhoto posts a photo of the listing through the API, as the
// landlord's photo form does.
func uploadPhoto(t *testing.T, sys *testenv.System, token, listing string, data []byte) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("photo", "room.jpg")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	c := sys.Client()
	c.Token = token
	req, _ := http.NewRequest("POST", c.URL("/listings/"+listing+"/photos"), &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if res := c.Send(req); res.Status != http.StatusCreated {
		t.Fatalf("uploading a photo: %d %s", res.Status, res.Body)
	}
}

// typeDate types an ISO date into an <input type="date"> key by key, in the
// order the browser's locale lays out its parts (年/月/日 or month/day/year).
func typeDate(t *testing.T, p *browser.Page, sel, iso string) {
	t.Helper()
	d, err := time.Parse("2006-01-02", iso)
	if err != nil {
		t.Fatal(err)
	}
	order := browser.Eval[string](p, `new Intl.DateTimeFormat(navigator.language, {year: "numeric", month: "2-digit", day: "2-digit"})
		.formatToParts(new Date(2001, 1, 3)).filter(x => x.type !== "literal").map(x => x.type[0]).join("")`)
	var keys strings.Builder
	for _, part := range order {
		switch part {
		case 'y':
			fmt.Fprintf(&keys, "%04d", d.Year())
		case 'm':
			fmt.Fprintf(&keys, "%02d", int(d.Month()))
		case 'd':
			fmt.Fprintf(&keys, "%02d", d.Day())
		}
	}
	browser.Eval[bool](p, fmt.Sprintf(`(() => { const i = document.querySelector(%q); i.value = ""; i.focus(); return true })()`, sel))
	ctx, cancel := context.WithTimeout(p.Context(), 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(sel), keys.String())); err != nil {
		t.Fatalf("typing %s into %s: %v", iso, sel, err)
	}
}

// TestTenant_filtersOnEveryCriterionThenBooksByTypingDatesAroundATakenStay
// goes through what the visitor scenario (visitor_test.go) leaves out: a
// search on every filter with a sort, the detail's photos at detail size,
// the calendar's booked days and a chart's tooltip under the pointer, then
// booking dates typed key by key: dates someone else holds are refused at
// the preview beside the move-in date, dates in the past too, and free ones
// show the amount the server computes (command.Amount), which the
// confirmed order carries.
func TestTenant_filtersOnEveryCriterionThenBooksByTypingDatesAroundATakenStay(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("dates-landlord@example.com", "landlord")
	tenantAPI, _ := sys.Register("dates-tenant@example.com", "tenant")
	other, _ := sys.Register("early-bird@example.com", "tenant")

	// Two flats match every filter; each of the others fails one of them.
	create := func(title string, price int, district, rentType string, bedrooms int, facilities []string, photos int) string {
		id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{
			"title": title, "price": price, "city": "beijing", "district": district, "rent_type": rentType,
			"block": "中关村", "community": "知春里小区", "orientation": "南北", "floor": "6/18层", "reference": "HD-" + fmt.Sprint(price),
			"address": "知春路 8 号", "deposit": price, "min_months": 1, "area_sqm": 40 + 18*bedrooms,
			"bedrooms": bedrooms, "living_rooms": 1, "bathrooms": 1, "facilities": facilities,
			"highlights": "南北通透，近地铁", "traffic": "距地铁10号线知春路站 500 米", "description": "精装修，家电齐全，拎包入住。",
		})["id"].(string)
		for i := range photos {
			uploadPhoto(t, sys, landlord.Token, id, roomJPEG(t, 1200, 900, i+1))
		}
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		return id
	}
	wifi := []string{"wifi", "washer", "fridge", "ac"}
	flat := create("知春里 阳光两居", 7100, "haidian", "whole", 2, wifi, 3)
	create("知春里 精装两居", 6100, "haidian", "whole", 2, wifi, 0)
	create("望京 精装两居", 6200, "chaoyang", "whole", 2, wifi, 0)
	create("知春里 合租主卧", 6300, "haidian", "shared", 2, wifi, 0)
	create("知春里 温馨一居", 6400, "haidian", "whole", 1, wifi, 0)
	create("知春里 无网络两居", 6500, "haidian", "whole", 2, []string{"washer"}, 0)
	create("知春里 豪华两居", 9900, "haidian", "whole", 2, wifi, 0)
	anon := sys.Client()
	testenv.Eventually(t, 10*time.Second, func() string {
		if n := anon.Do("GET", "/listings?city=beijing", nil).JSON(t)["total"].(float64); n != 7 {
			return fmt.Sprintf("%v of 7 listings searchable", n)
		}
		return ""
	})
	// Someone holds the flat for the first month from next month's first.
	takenStart, takenEnd := firstOfMonth(0, 1)
	other.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": flat, "start_date": takenStart, "end_date": takenEnd})

	b := browser.Start(t, sys.URL)
	p := b.User("tenant")

	// Every filter, then a sort: the two flats that pass them all, dearest first.
	p.Open("/listings?city=beijing")
	p.Choose("#f-district", "haidian")
	p.Type("#f-price_min", "5000")
	p.Type("#f-price_max", "8000")
	p.Choose("#f-bedrooms", "2")
	p.Check(`input[name="rent_type"][value="whole"]`)
	p.Check(`input[name="facilities"][value="wifi"]`)
	p.Click("#filter-submit")
	p.Click(`.sorts a[href*="sort=price_desc"]`)
	q := p.URL().Query()
	for k, want := range map[string]string{"district": "haidian", "price_min": "5000", "price_max": "8000", "bedrooms": "2",
		"rent_type": "whole", "facilities": "wifi", "sort": "price_desc"} {
		if q.Get(k) != want {
			t.Fatalf("the search is in the URL: %s=%q, want %q (%s)", k, q.Get(k), want, p.Path())
		}
	}
	if got := p.Text("#result-total"); got != "2" || p.Attr("#results > li:first-child", "data-listing") != flat {
		t.Fatalf("every filter leaves the two flats, the dearer first: %s, first %s", got, p.Attr("#results > li:first-child", "data-listing"))
	}
	p.Click(`#results > li:first-child h3 a`)

	// The photos load at detail size; the calendar marks the taken month; a chart's tooltip follows the pointer.
	if n := p.Count("#gallery .gallery-slide img"); n != 3 {
		t.Fatalf("the gallery has the 3 photos: %d", n)
	}
	for i := 1; i <= 3; i++ { // swiped to, each one loads (the ones after the first are lazy)
		slide := fmt.Sprintf("#photo-%d", i)
		browser.Eval[bool](p, `document.querySelector("`+slide+`").scrollIntoView({block: "nearest", inline: "start"}), true`)
		testenv.Eventually(t, 10*time.Second, func() string {
			if !browser.Eval[bool](p, `(i => i.complete && i.naturalWidth > 0)(document.querySelector("`+slide+` img"))`) {
				return slide + " has not loaded"
			}
			return ""
		})
	}
	if src := p.Attr("#photo-1 img", "src"); !strings.HasPrefix(src, "/photos/") || !strings.HasSuffix(src, "?s=detail") {
		t.Fatalf("the gallery shows the detail size: %q", src)
	}
	if !p.Has(`#calendar td.booked[data-date="`+takenStart+`"]`) || p.Has(`#calendar td.booked[data-date="`+takenEnd+`"]`) {
		t.Fatalf("the calendar marks the taken month [%s, %s)", takenStart, takenEnd)
	}
	tip := browser.Eval[string](p, `(() => {
		const m = document.querySelector("#chart-prices :has(> title)"), r = m.getBoundingClientRect();
		m.scrollIntoView({block: "center"});
		const r2 = m.getBoundingClientRect();
		m.dispatchEvent(new MouseEvent("mousemove", {bubbles: true, clientX: r2.left + r2.width / 2, clientY: r2.top + r2.height / 2}));
		const t = document.querySelector(".chart-tip");
		return t && !t.hidden ? t.textContent : "";
	})()`)
	if !strings.Contains(tip, "平均") || !strings.Contains(tip, "￥") {
		t.Fatalf("the average-price chart shows its tooltip under the pointer: %q", tip)
	}

	// 登录后预订: log in and come back to the booking form.
	p.Click("#booking-login")
	if st := p.LogIn("dates-tenant@example.com", password); st != http.StatusOK || p.URL().Path != "/listings/"+flat {
		t.Fatalf("after logging in the tenant is back on the listing: %d %s", st, p.Path())
	}

	// Dates inside the taken month are refused at the preview, beside the move-in date, naming the stay.
	s, _ := time.Parse("2006-01-02", takenStart)
	typeDate(t, p, "#f-start_date", s.AddDate(0, 0, 10).Format("2006-01-02"))
	typeDate(t, p, "#f-end_date", s.AddDate(0, 2, 0).Format("2006-01-02"))
	if st := p.Click("#booking-preview"); st != http.StatusConflict {
		t.Fatalf("taken dates: %d, want 409", st)
	}
	if msg := p.Text("#e-start_date"); !strings.Contains(msg, "已被预订（"+zhDate(takenStart)+"至"+zhDate(takenEnd)+"）") ||
		p.Value("#f-start_date") != s.AddDate(0, 0, 10).Format("2006-01-02") || p.Attr("#f-start_date", "aria-describedby") != "e-start_date" {
		t.Fatalf("the taken stay named beside the move-in date, the dates kept: %q %q", msg, p.Value("#f-start_date"))
	}
	p.Shot("detail-booking-taken")

	// Dates in the past are refused beside the move-in date too.
	typeDate(t, p, "#f-start_date", "2020-03-01")
	typeDate(t, p, "#f-end_date", "2020-05-01")
	if st := p.Click("#booking-preview"); st != http.StatusBadRequest {
		t.Fatalf("dates in the past: %d, want 400", st)
	}
	if msg := p.Text("#e-start_date"); !strings.HasPrefix(msg, "不能早于今天") || p.Value("#f-end_date") != "2020-05-01" {
		t.Fatalf("the message beside the move-in date, the dates kept: %q %q", msg, p.Value("#f-end_date"))
	}

	// From the day the taken month ends, a month and ten days: the server's amount.
	start := takenEnd
	s, _ = time.Parse("2006-01-02", start)
	end := command.AddMonths(s, 1).AddDate(0, 0, 10).Format("2006-01-02")
	typeDate(t, p, "#f-start_date", start)
	typeDate(t, p, "#f-end_date", end)
	if st := p.Click("#booking-preview"); st != http.StatusOK {
		t.Fatalf("the preview: %d", st)
	}
	e, _ := time.Parse("2006-01-02", end)
	want := command.Amount(7100, command.NewStay(s, e))
	if got := p.Text("#quote-amount"); got != fmt.Sprintf("￥%d,%03d", want/1000, want%1000) || p.Text("#quote-stay") != "1个月又10天" {
		t.Fatalf("the preview's amount and stay: %q %q, want ￥%d", got, p.Text("#quote-stay"), want)
	}
	if st := p.Click("#booking-confirm"); st != http.StatusOK || !strings.HasPrefix(p.URL().Path, "/me/orders/") {
		t.Fatalf("confirming: %d %s", st, p.Path())
	}
	if p.Text("#order-start") != zhDate(start) || p.Text("#order-end") != zhDate(end) {
		t.Fatalf("the order's dates: %q %q", p.Text("#order-start"), p.Text("#order-end"))
	}
	orders := tenantAPI.Must(http.StatusOK, "GET", "/users/me/orders", nil)["items"].([]any)
	if len(orders) != 1 || orders[0].(map[string]any)["amount"].(float64) != float64(want) {
		t.Fatalf("the API sees one order of the previewed amount: %v", orders)
	}

	// Back on the listing, the calendar marks the new stay as well.
	testenv.Eventually(t, 10*time.Second, func() string {
		if p.Open("/listings/" + flat); !p.Has(`#calendar td.booked[data-date="` + start + `"]`) {
			return "the calendar does not mark " + start + " yet"
		}
		return ""
	})
	p.Shot("detail-tenant-booked")
}
