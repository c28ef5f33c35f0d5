package browser_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/testing/browser"
	"github.com/zufang/rental/infra/testing/testenv"
)

// writePNG writes a PNG for an upload: w×h, the top two thirds one colour
// (a sky, a wall) and the rest another (a lawn, a floor).
func writePNG(t *testing.T, name string, w, h int, top, bottom color.RGBA) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		c := top
		if y > h*2/3 {
			c = bottom
		}
		for x := range w {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestLandlord_createsAListingFixesThePriceUploadsAPhotoPublishesAndAcceptsAnOrder(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	sys.Register("fang@example.com", "landlord")
	b := browser.Start(t, sys.URL)
	p := b.User("landlord")
	p.AcceptDialogs()

	// Log in from the landlord's pages: back to them, with the top bar's links.
	p.Open("/landlord/listings")
	if st := p.LogIn("fang@example.com", password); st != http.StatusOK || p.URL().Path != "/landlord/listings" {
		t.Fatalf("after logging in the landlord is on 我的房源: %d %s", st, p.Path())
	}
	if !strings.Contains(p.Text("#nav-my-listings"), "我的房源") || !strings.Contains(p.Text("#nav-landlord-orders"), "房源订单") {
		t.Fatal("the top bar links the landlord's pages")
	}
	p.Shot("my-listings-empty")

	// The form: a title, a city and (narrowed by the script) its district, and a bad price.
	p.Click("#new-listing")
	const title = "望京 阳光南北通透两居"
	p.Type("#f-title", title)
	p.Choose("#f-city", "beijing")
	if n := p.Count("#f-district optgroup"); n != 1 || p.Attr("#f-district optgroup", "data-city") != "beijing" {
		t.Fatalf("the district select offers only Beijing's districts: %d groups", n)
	}
	p.Choose("#f-district", "chaoyang")
	p.Type("#f-block", "望京")
	p.Type("#f-community", "望京西园三区")
	p.Check("#rent-whole")
	p.Type("#f-bedrooms", "2")
	p.Type("#f-area_sqm", "78.5")
	p.Choose("#f-orientation", "南北")
	p.Type("#f-floor", "12/18层")
	p.Type("#f-price", "0")
	p.Type("#f-deposit", "7600")
	p.Check("#fac-wifi")
	p.Check("#fac-washer")
	p.Type("#f-highlights", "南北通透，步行到地铁 5 分钟")
	p.Type("#f-traffic", "距地铁 14 号线望京站 400 米")
	if st := p.Click("#listing-submit"); st != http.StatusBadRequest {
		t.Fatalf("a price of 0 is refused: %d", st)
	}
	if msg := p.Text("#e-price"); !strings.Contains(msg, "必须大于 0") {
		t.Fatalf("the message beside the price: %q", msg)
	}
	if p.Attr("#f-price", "aria-describedby") != "e-price" || p.Value("#f-title") != title || p.Value("#f-block") != "望京" ||
		p.Value("#f-district") != "chaoyang" || !browser.Eval[bool](p, `document.querySelector('#fac-washer').checked`) {
		t.Fatalf("what was typed is kept and the message is tied to the price: %q %q %q", p.Value("#f-title"), p.Value("#f-district"), p.Attr("#f-price", "aria-describedby"))
	}
	p.Shot("listing-form-refused")

	// Fixed, it is saved as a draft and the photos page comes next.
	p.Type("#f-price", "7600")
	if st := p.Click("#listing-submit"); st != http.StatusOK || !strings.HasSuffix(p.URL().Path, "/photos") {
		t.Fatalf("a good form goes on to the photos: %d %s", st, p.Path())
	}
	if !strings.Contains(p.Text("#ll-notice"), "草稿") || !strings.Contains(p.Text("#listing-status"), "草稿") {
		t.Fatalf("the photos page says it is a draft: %q", p.Body())
	}
	id := strings.Split(strings.TrimPrefix(p.URL().Path, "/landlord/listings/"), "/")[0]

	// A photo, chosen and uploaded; it becomes the cover.
	p.Upload("#f-photo", writePNG(t, "客厅.png", 640, 480, color.RGBA{120, 180, 235, 255}, color.RGBA{70, 150, 80, 255}))
	if st := p.Click("#upload-submit"); st != http.StatusOK {
		t.Fatalf("the upload: %d", st)
	}
	if p.Count("#photo-list li") != 1 || !p.Has("#cover-badge") {
		t.Fatalf("one photo, the cover: %q", p.Body())
	}
	// A second one, made the cover by a click.
	p.Upload("#f-photo", writePNG(t, "卧室.png", 480, 640, color.RGBA{240, 228, 205, 255}, color.RGBA{150, 105, 70, 255}))
	p.Click("#upload-submit")
	if p.Count("#photo-list li") != 2 {
		t.Fatalf("two photos: %q", p.Body())
	}
	p.Settle()
	p.Shot("photos")
	p.Click("#photo-list li:nth-child(2) button[id^=cover-]")
	if !strings.Contains(p.Text("#ll-notice"), "封面已更换") || !p.Has("#photo-list li:nth-child(2) #cover-badge") {
		t.Fatalf("the second photo is the cover: %q", p.Body())
	}
	cover := p.Attr("#photo-list li:nth-child(2) img", "src")

	// Published, it is found in search at once, with its cover.
	p.Click("#publish")
	if !strings.Contains(p.Text("#ll-notice"), "房源已上架") || !strings.Contains(p.Text("#listing-status"), "已上架") {
		t.Fatalf("published: %q", p.Body())
	}
	p.Open("/")
	p.Type("#search-keyword", "阳光南北通透")
	started, reloads := time.Now(), 0
	p.Click("#search-submit")
	for ; !p.Has(`#results li[data-listing="` + id + `"]`); reloads++ {
		// The search reads the read models, which the worker fills a few
		// milliseconds after the publish: allow a bounded wait, and say so.
		if time.Since(started) > 5*time.Second {
			t.Fatalf("the published listing is not found in search: %q", p.Body())
		}
		time.Sleep(50 * time.Millisecond)
		p.Open(p.Path())
	}
	t.Logf("the search showed the published listing %s after it was sent (%d reloads)", time.Since(started).Round(time.Millisecond), reloads)
	if src := p.Attr(`#results li[data-listing="`+id+`"] img`, "src"); src != cover {
		t.Fatalf("the result shows the cover %q, got %q", cover, src)
	}
	p.Shot("search")

	// A tenant books it (through PlaceOrder); the landlord accepts on 房源订单.
	_, tenantID := sys.Register("zuke@example.com", "tenant")
	start, end := firstOfMonth(0, 3)
	_, later := firstOfMonth(0, 5)
	placed, err := sys.API.Commands.PlaceOrder.Handle(context.Background(), command.PlaceOrder{
		Meta:      command.Meta{Actor: rental.Actor{UserID: uuid.MustParse(tenantID), Roles: []rental.Role{rental.RoleTenant}}, CommandID: rental.NewID()},
		ListingID: uuid.MustParse(id), StartDate: start, EndDate: end,
	})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sys.API.Commands.PlaceOrder.Handle(context.Background(), command.PlaceOrder{
		Meta:      command.Meta{Actor: rental.Actor{UserID: uuid.MustParse(tenantID), Roles: []rental.Role{rental.RoleTenant}}, CommandID: rental.NewID()},
		ListingID: uuid.MustParse(id), StartDate: end, EndDate: later,
	})
	if err != nil {
		t.Fatal(err)
	}
	p.Click("#nav-landlord-orders")
	row := `li[data-order="` + placed.ID.String() + `"]`
	for i := 0; !p.Has(row) || !p.Has(`li[data-order="`+other.ID.String()+`"]`); i++ {
		// The list reads the read model; the order reaches it moments after it was placed.
		if i > 100 {
			t.Fatalf("the order is not listed: %q", p.Body())
		}
		time.Sleep(50 * time.Millisecond)
		p.Open("/landlord/orders")
	}
	if state := p.Text(row + " .state"); state != "待房东确认" {
		t.Fatalf("the order waits for the landlord: %q", state)
	}
	p.Shot("orders")
	p.Click("#accept-" + placed.ID.String())
	if !strings.Contains(p.Text("#ll-notice"), "已接受订单") || p.Text(row+" .state") != "待支付" {
		t.Fatalf("accepted, at once: %q", p.Body())
	}
	p.Shot("orders-accepted")
	// The order's page names the tenant and how to reach them.
	p.Click("#order-detail-" + placed.ID.String())
	if !p.Has("#order-contact .contact-name") || !strings.Contains(p.Body(), "租客联系方式") {
		t.Fatalf("the landlord's order page gives the tenant's contact: %q", p.Body())
	}
	p.Shot("order-tenant-contact")
	p.Open("/landlord/orders")

	// The other one is rejected, with a reason: first without one.
	rejected := other.ID.String()
	p.Press("#reject-open-" + rejected)
	if st := p.Click("#reject-" + rejected); st != http.StatusBadRequest {
		t.Fatalf("a reject without a reason: %d", st)
	}
	if msg := p.Text("#e-reason-" + rejected); !strings.Contains(msg, "不能为空") {
		t.Fatalf("the message beside the reason: %q", msg)
	}
	p.Shot("orders-reject-refused")
	p.Type("#reason-"+rejected, "这段时间房子已有安排")
	p.Click("#reject-" + rejected)
	if !strings.Contains(p.Text("#ll-notice"), "已拒绝订单") || p.Text(`li[data-order="`+rejected+`"] .state`) != "已拒绝" ||
		!strings.Contains(p.Text(`li[data-order="`+rejected+`"] .order-next`), "这段时间房子已有安排") {
		t.Fatalf("rejected with its reason, at once: %q", p.Body())
	}

	// 我的房源 shows it published, with its photo.
	p.Click("#nav-my-listings")
	if p.Text("#status-"+id) != "已上架" || !p.Has(`li[data-listing="`+id+`"] img`) {
		t.Fatalf("my listings: %q", p.Body())
	}
	p.Shot("my-listings")
	p.Click("#edit-" + id)
	p.Shot("listing-form-edit")

	// Delete asks first. With the script a dialog asks (accepted here); the
	// accepted order holds the listing, so it stays, and the list says why.
	p.Click("#nav-my-listings")
	if st := p.Click("#delete-" + id); st != http.StatusConflict || !strings.Contains(p.Text("#form-errors"), "有 1 个进行中的订单占用该房源") {
		t.Fatalf("deleting a booked listing: %d %q", st, p.Body())
	}
	p.Shot("delete-refused")
	// Without the script a page of its own asks.
	p.Scripts(false)
	p.Open("/landlord/listings")
	if st := p.Click("#delete-" + id); st != http.StatusOK || !p.Has("#confirm-delete") {
		t.Fatalf("without the script delete asks on a page: %d %q", st, p.Body())
	}
	p.Shot("delete-confirm")
	p.Click("#confirm-keep")
	if p.URL().Path != "/landlord/listings" || p.Text("#status-"+id) != "已上架" {
		t.Fatalf("不删除 goes back and keeps it: %s", p.Path())
	}
	p.Scripts(true)
}
