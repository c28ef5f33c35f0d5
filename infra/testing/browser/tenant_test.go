package browser_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/testing/browser"
	"github.com/zufang/rental/infra/testing/testenv"
)

// listing creates and publishes a listing through the API and waits until
// search finds it; it returns its id.
func listing(t *testing.T, sys *testenv.System, landlord *testenv.Client, title string, price int, district string) string {
	t.Helper()
	id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{
		"title": title, "price": price, "city": "beijing", "district": district, "rent_type": "whole",
		"block": "中关村", "community": "知春里小区", "orientation": "南", "floor": "6/18层", "deposit": price, "min_months": 1,
		"area_sqm": 68, "bedrooms": 2, "living_rooms": 1, "bathrooms": 1, "facilities": []string{"wifi", "washer"},
		"traffic": "距地铁10号线知春路站 500 米", "description": "精装修，拎包入住",
	})["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	anon := sys.Client()
	testenv.Eventually(t, 10*time.Second, func() string {
		if r := anon.Do("GET", "/listings/"+id+"?min_version=2", nil); r.Header.Get("X-Read-Source") != "redis" {
			return "the listing is not projected yet"
		}
		return ""
	})
	return id
}

// apiLogin is the JSON API logged in as a user who registered in the browser.
func apiLogin(t *testing.T, sys *testenv.System, login, pw string) *testenv.Client {
	t.Helper()
	c := sys.Client()
	c.Token = c.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": login, "password": pw})["token"].(string)
	return c
}

// firstOfMonth is the first day of the month after daysAhead (China time), months long.
func firstOfMonth(daysAhead, months int) (string, string) {
	d := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, daysAhead)
	start := time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	return start.Format("2006-01-02"), start.AddDate(0, months, 0).Format("2006-01-02")
}

// book places an order through the API, as the detail page's booking form would.
func book(t *testing.T, tenant *testenv.Client, listing string, daysAhead, months int) (string, float64) {
	t.Helper()
	start, end := firstOfMonth(daysAhead, months)
	r := tenant.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": listing, "start_date": start, "end_date": end})
	return r["id"].(string), r["version"].(float64)
}

func TestTenant_registersFavoritesBooksSeesTheOrderOnMeAndCancelsIt(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("tenant-landlord@example.com", "landlord")
	flat := listing(t, sys, landlord, "海淀 知春里 南向两居", 6500, "haidian")
	listing(t, sys, landlord, "海淀 同小区 精装两居", 6800, "haidian")

	b := browser.Start(t, sys.URL)
	p := b.User("tenant")
	p.AcceptDialogs()

	// A visitor on a listing registers from the top bar and comes back to it.
	p.Open("/listings/" + flat)
	// A visitor is asked to log in for the landlord's contact.
	if !p.Has("#contact-login") || p.Has("#fact-contact .contact-name") {
		t.Fatalf("a visitor sees the landlord's contact, or no login link for it: %q", p.Text("#fact-contact"))
	}
	p.Click("#nav-register")
	p.Type("#f-email", "newbie@example.com")
	p.Type("#f-nickname", "小新")
	p.Type("#f-password", password)
	p.Type("#f-password2", password)
	if st := p.Click("#register-submit"); st != http.StatusOK || p.URL().Path != "/listings/"+flat {
		t.Fatalf("after registering the tenant is back on the listing: %d %s", st, p.Path())
	}
	if name := p.Text("#nav-me"); name != "小新" {
		t.Fatalf("the top bar names the new tenant: %q", name)
	}
	// Logged in, the listing names its landlord and how to reach them.
	if got := p.Text("#fact-contact"); !strings.Contains(got, "tenant-landlord@example.com") || p.Has("#contact-login") {
		t.Fatalf("the logged-in tenant sees the landlord's contact: %q", got)
	}

	// The favorite and the booking go through the commands the detail page will call.
	api := apiLogin(t, sys, "newbie@example.com", password)
	api.Must(http.StatusOK, "PUT", "/users/me/favorites/"+flat, nil)
	orderID, v := book(t, api, flat, 20, 3)

	// The booking form redirects to the order's page with its version: it shows the order at once.
	if st := p.Open(fmt.Sprintf("/me/orders/%s?v=%v", orderID, v)); st != http.StatusOK {
		t.Fatalf("the order page: %d", st)
	}
	if s := p.Text("#order-state"); s != "待房东确认" {
		t.Fatalf("the new order's state: %q", s)
	}
	if got := p.Text("#order-contact"); !strings.Contains(got, "tenant-landlord@example.com") {
		t.Fatalf("the order page gives the tenant the landlord's contact: %q", got)
	}
	start, end := firstOfMonth(20, 3)
	if got := p.Text("#order-start") + " " + p.Text("#order-end") + " " + p.Text("#order-amount"); got != zhDate(start)+" "+zhDate(end)+" ￥19,500" {
		t.Fatalf("the order's dates and amount: %q", got)
	}
	p.Shot("me-order-wait-accept")

	// /me and its tabs.
	p.Click("#nav-me")
	if p.URL().Path != "/me" || p.Value("#f-nickname") != "小新" || p.Value("#f-email") != "newbie@example.com" {
		t.Fatalf("/me shows the profile form filled in: %s", p.Path())
	}
	p.Shot("me-profile")
	p.Click("#tab-favorites")
	if n := p.Count("#favorites [data-favorite]"); n != 1 || !strings.Contains(p.Text("#favorites"), "海淀 知春里 南向两居") {
		t.Fatalf("the favorite is on /me/favorites: %d cards", n)
	}
	p.Shot("me-favorites")

	p.Click("#tab-orders")
	row := fmt.Sprintf(`[data-order="%s"]`, orderID)
	if s := p.Text(row + " .state"); s != "待房东确认" {
		t.Fatalf("the order on /me/orders is named in Chinese: %q", s)
	}
	if !strings.Contains(p.Text(row), "3个月") || !strings.Contains(p.Text(row), "￥19,500") {
		t.Fatalf("the order row: %q", p.Text(row))
	}
	p.Shot("me-orders")

	// Cancel: the browser asks to confirm (accepted), then the list shows it canceled at once.
	if st := p.Click("#cancel-" + orderID); st != http.StatusOK {
		t.Fatalf("cancel answered %d", st)
	}
	if p.URL().Path != "/me/orders" || p.Text("#me-notice") != "订单已取消，所选日期已释放。" {
		t.Fatalf("after canceling: %s %q", p.Path(), p.Body())
	}
	if s := p.Text(row + " .state"); s != "已取消" {
		t.Fatalf("the canceled order's state: %q", s)
	}
	if p.Has("#cancel-" + orderID) {
		t.Fatal("a canceled order offers cancel again")
	}
	p.Shot("me-orders-canceled")

	// The history holds the listing viewed; 取消收藏 empties the favorites.
	p.Click("#tab-history")
	testenv.Eventually(t, 10*time.Second, func() string {
		if p.Open("/me/history"); !p.Has(`#history [data-listing="` + flat + `"]`) {
			return "the view is not in the history yet"
		}
		return ""
	})
	p.Shot("me-history")
	p.Click("#clear-history")
	if !p.Has("#no-history") {
		t.Fatalf("after 清空浏览记录: %q", p.Body())
	}
	p.Click("#tab-favorites")
	p.Click("#unfav-" + flat)
	if !p.Has("#no-favorites") || p.Text("#me-notice") != "已取消收藏。" {
		t.Fatalf("after 取消收藏: %q", p.Body())
	}
}

func TestTenant_paysOnTheOrderPageOnceTheLandlordAccepted(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("pay-landlord@example.com", "landlord")
	flat := listing(t, sys, landlord, "朝阳 望京 精装一居", 5200, "chaoyang")
	tenant, _ := sys.Register("payer@example.com", "tenant")
	orderID, _ := book(t, tenant, flat, 40, 2)
	// The landlord accepts (through the command their pages call).
	accepted := landlord.Must(http.StatusOK, "POST", "/orders/"+orderID+"/accept", nil)

	b := browser.Start(t, sys.URL)
	p := b.User("tenant")
	p.Open("/me/orders")
	if p.URL().Path != "/login" {
		t.Fatalf("a visitor is asked to log in: %s", p.Path())
	}
	if st := p.LogIn("payer@example.com", password); st != http.StatusOK || p.URL().Path != "/me/orders" {
		t.Fatalf("after logging in the tenant is on /me/orders: %d %s", st, p.Path())
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if p.Open("/me/orders"); p.Text(`[data-order="`+orderID+`"] .state`) != "待支付" {
			return "the acceptance is not projected yet"
		}
		return ""
	})
	p.Click("#order-link-" + orderID)
	if p.Text("#order-state") != "待支付" || !p.Has("#pay-"+orderID) {
		t.Fatalf("the order page offers to pay: %q", p.Body())
	}
	p.Shot("me-order-wait-payment")
	if st := p.Click("#pay-" + orderID); st != http.StatusOK {
		t.Fatalf("pay answered %d", st)
	}
	if !strings.HasPrefix(p.Path(), "/me/orders/"+orderID+"?") || p.Text("#order-state") != "已支付" || !strings.Contains(p.Text("#me-notice"), "支付成功") {
		t.Fatalf("after paying the page shows it at once: %s %q", p.Path(), p.Body())
	}
	if p.Has("#pay-"+orderID) || p.Has("#cancel-"+orderID) {
		t.Fatal("a paid order offers pay or cancel")
	}
	p.Shot("me-order-paid")
	if v := p.Attr("[data-order]", "data-version"); v != fmt.Sprint(accepted["version"].(float64)+1) {
		t.Fatalf("the page shows the paid version, got %s", v)
	}
}

func TestTenant_editsTheProfileAndPasswordWithMessagesBesideTheFields(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	sys.Register("editor@example.com", "tenant")
	b := browser.Start(t, sys.URL)
	p := b.User("tenant")
	p.Open("/login?next=/me")
	p.LogIn("editor@example.com", password)

	p.Type("#f-nickname", "小编")
	p.Type("#f-mobile", "12345")
	if st := p.Click("#profile-submit"); st != http.StatusBadRequest {
		t.Fatalf("a bad mobile: %d, want 400", st)
	}
	if msg := p.Text("#e-mobile"); msg != "请输入 11 位大陆手机号" || p.Value("#f-mobile") != "12345" || p.Value("#f-nickname") != "小编" {
		t.Fatalf("the message beside the mobile field, what was typed kept: %q %q", msg, p.Value("#f-mobile"))
	}
	if p.Attr("#f-mobile", "aria-describedby") != "e-mobile h-mobile" {
		t.Fatalf("the message is tied to its field: %q", p.Attr("#f-mobile", "aria-describedby"))
	}
	p.Shot("me-profile-error")
	p.Type("#f-mobile", "13912345678")
	p.Type("#f-login_password", password) // a new mobile is a new login: it needs the password
	p.Click("#profile-submit")
	if p.Text("#me-notice") != "资料已保存。" || p.Text("#nav-me") != "小编" || p.Value("#f-mobile") != "13912345678" {
		t.Fatalf("after saving: %q", p.Body())
	}

	p.Type("#f-current_password", "not-my-password")
	p.Type("#f-new_password", "a-better-password")
	p.Type("#f-new_password2", "a-better-password")
	if st := p.Click("#password-submit"); st != http.StatusBadRequest {
		t.Fatalf("a wrong current password: %d", st)
	}
	if p.Text("#e-current_password") != "不正确" || p.Value("#f-new_password") != "" || p.Value("#f-current_password") != "" {
		t.Fatalf("the message beside the current password, and no password kept: %q", p.Body())
	}
	p.Shot("me-password-error")
	p.Type("#f-current_password", password)
	p.Type("#f-new_password", "a-better-password")
	p.Type("#f-new_password2", "a-better-password")
	p.Click("#password-submit")
	if !strings.Contains(p.Text("#me-notice"), "密码已修改") {
		t.Fatalf("after changing the password: %q", p.Body())
	}
	p.Click("#logout")
	p.Open("/login?next=/me")
	if st := p.LogIn("editor@example.com", "a-better-password"); st != http.StatusOK || p.URL().Path != "/me" {
		t.Fatalf("the new password logs in: %d %s", st, p.Path())
	}
}

func TestTenant_anImportedAccountChoosesANewPasswordAtLogin(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	if _, err := sys.API.Commands.ImportUser.Handle(context.Background(), command.ImportUser{
		Meta: command.Meta{Actor: rental.System}, Email: "legacy@example.com", Password: "abc123", Nickname: "老王", Roles: []string{"tenant"},
	}); err != nil {
		t.Fatal(err)
	}
	b := browser.Start(t, sys.URL)
	p := b.User("legacy")
	p.Open("/me/orders")
	if st := p.LogIn("legacy@example.com", "abc123"); st != http.StatusOK || !p.Has("#new-password-notice") {
		t.Fatalf("the old password leads to the new-password step: %d %q", st, p.Body())
	}
	if p.Has("#e-new_password") || !browser.Eval[bool](p, `document.querySelector("#f-login").readOnly`) {
		t.Fatal("the step starts without an error, the login fixed")
	}
	p.Shot("login-new-password")
	p.Type("#f-new_password", "fresh-password-1")
	p.Type("#f-new_password2", "fresh-password-2")
	if st := p.Click("#login-submit"); st != http.StatusBadRequest || p.Text("#e-new_password2") != "两次输入的新密码不一致" {
		t.Fatalf("two different new passwords: %d %q", st, p.Body())
	}
	p.Type("#f-new_password", "fresh-password-1")
	p.Type("#f-new_password2", "fresh-password-1")
	if st := p.Click("#login-submit"); st != http.StatusOK || p.URL().Path != "/me/orders" || p.Text("#nav-me") != "老王" {
		t.Fatalf("the new password logs in and returns to /me/orders: %d %s", st, p.Path())
	}
}

// zhDate is how the pages write an ISO date.
func zhDate(iso string) string {
	d, _ := time.Parse("2006-01-02", iso)
	return fmt.Sprintf("%d年%d月%d日", d.Year(), d.Month(), d.Day())
}
