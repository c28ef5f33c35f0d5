package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// tenantAt registers a tenant through the API (password correct-horse) and
// logs a page browser in as them; it returns both.
func tenantAt(t *testing.T, sys *testenv.System, email string) (*browser, *testenv.Client) {
	t.Helper()
	api, _ := sys.Register(email, "tenant")
	b := newBrowser(t, sys)
	if p := b.login(email, "correct-horse", "/me"); p.Status != http.StatusSeeOther {
		t.Fatalf("login of %s: %d %s", email, p.Status, excerpt(p.Body))
	}
	return b, api
}

// seeOther fails unless the page is a 303 whose location matches the pattern.
func seeOther(t *testing.T, what string, p page, pattern string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || !regexp.MustCompile(pattern).MatchString(p.Location) {
		t.Fatalf("%s: %d to %q, want 303 to %s: %s", what, p.Status, p.Location, pattern, excerpt(p.Body))
	}
}

func (p page) lacks(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(p.Body, s) {
			t.Fatalf("page (status %d) shows %q: %s", p.Status, s, excerpt(p.Body))
		}
	}
}

// stay is a stay of whole months from the first of the month after daysAhead
// (China time), as PlaceOrder takes it.
func stay(daysAhead, months int) (string, string) {
	d := time.Now().In(time.FixedZone("CST", 8*3600)).AddDate(0, 0, daysAhead)
	start := time.Date(d.Year(), d.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	return start.Format("2006-01-02"), start.AddDate(0, months, 0).Format("2006-01-02")
}

// order places an order through the API and returns its id.
func order(t *testing.T, tenant *testenv.Client, listing string, daysAhead, months int) string {
	t.Helper()
	start, end := stay(daysAhead, months)
	return tenant.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": listing, "start_date": start, "end_date": end})["id"].(string)
}

func TestMe_showsTheProfileTabsAndEditsIt(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b, _ := tenantAt(t, sys, "amy@example.com")
	sys.Register("taken@example.com", "tenant")

	me := b.must(http.StatusOK, "/me")
	me.contains(t, `id="tab-profile" aria-current="page"`, `href="/me/orders"`, `href="/me/favorites"`, `href="/me/history"`,
		`id="profile-form"`, `value="amy@example.com"`, `name="nickname"`, `id="password-form"`, "为你推荐")

	// Bad input: each message beside its field, what was typed kept.
	bad := b.post("/me/profile", url.Values{"nickname": {"小艾"}, "email": {"not-an-email"}, "mobile": {"123"}, "roles": {"tenant"}})
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("a bad profile: %d, want 400", bad.Status)
	}
	bad.contains(t, `id="e-email"`, "请输入有效的邮箱地址", `id="e-mobile"`, "请输入 11 位大陆手机号",
		`value="not-an-email"`, `value="123"`, `value="小艾"`, `aria-describedby="e-email"`)
	noRole := b.post("/me/profile", url.Values{"nickname": {"小艾"}, "email": {"amy@example.com"}})
	if noRole.Status != http.StatusBadRequest {
		t.Fatalf("no role: %d", noRole.Status)
	}
	noRole.contains(t, `id="e-roles"`, "请至少选择一种身份")
	taken := b.post("/me/profile", url.Values{"nickname": {"小艾"}, "email": {"taken@example.com"}, "roles": {"tenant"},
		"login_password": {"correct-horse"}})
	if taken.Status != http.StatusConflict {
		t.Fatalf("someone else's email: %d, want 409", taken.Status)
	}
	taken.contains(t, `id="e-email"`, "已被注册", `value="taken@example.com"`)

	// Without its CSRF token the form is refused and nothing changes.
	forged := b.postRaw("/me/profile", url.Values{"nickname": {"黑客"}, "email": {"amy@example.com"}, "roles": {"tenant"}})
	if forged.Status != http.StatusForbidden {
		t.Fatalf("a profile form without its CSRF token: %d, want 403", forged.Status)
	}

	// A good edit redirects with the new version; the next page shows it at once.
	ok := b.post("/me/profile", url.Values{"nickname": {"小艾"}, "email": {"amy@example.com"}, "mobile": {"13800138000"},
		"roles": {"tenant", "landlord"}, "login_password": {"correct-horse"}})
	seeOther(t, "a good profile", ok, `^/me\?done=profile&v=[2-9]$`)
	after := b.must(http.StatusOK, ok.Location)
	after.contains(t, "资料已保存", `value="小艾"`, `value="13800138000"`, `id="nav-me">小艾<`, "租客 · 房东", `value="landlord" id="role-landlord" checked`)
	after.lacks(t, "黑客")
}

func TestMe_changingTheLoginNeedsThePasswordBesideItsFieldAndEndsOtherSessions(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b, api := tenantAt(t, sys, "cy@example.com")
	profile := func(email, password string) url.Values {
		return url.Values{"nickname": {"小茜"}, "email": {email}, "roles": {"tenant"}, "login_password": {password}}
	}
	// The nickname alone needs no password.
	seeOther(t, "a new nickname", b.post("/me/profile", url.Values{"nickname": {"小茜"}, "email": {"cy@example.com"}, "roles": {"tenant"}}),
		`^/me\?done=profile&v=\d+$`)
	for _, c := range []struct{ password, message string }{{"", "修改邮箱或手机号需要输入当前密码"}, {"wrong-horse", "不正确"}} {
		p := b.post("/me/profile", profile("cy.new@example.com", c.password))
		if p.Status != http.StatusBadRequest {
			t.Fatalf("a new email with password %q: %d, want 400", c.password, p.Status)
		}
		p.contains(t, `id="e-login_password"`, c.message, `aria-describedby="e-login_password h-login_password"`, `value="cy.new@example.com"`)
		p.lacks(t, `value="wrong-horse"`)
	}
	seeOther(t, "a new email with the password", b.post("/me/profile", profile("cy.new@example.com", "correct-horse")), `^/me\?done=profile&v=\d+$`)
	// The API's session (another device) ended; this one goes on.
	if r := api.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("another session after the email changed: %d, want 401", r.Status)
	}
	b.must(http.StatusOK, "/me").contains(t, `value="cy.new@example.com"`)
}

func TestMe_changesThePasswordWithFieldMessagesAndNeverShowsOne(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b, api := tenantAt(t, sys, "bo@example.com")

	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"repeat differs", url.Values{"current_password": {"correct-horse"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-typo"}}, "new_password2", "两次输入的新密码不一致"},
		{"wrong current", url.Values{"current_password": {"wrong-horse-x"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}}, "current_password", "不正确"},
		{"short new", url.Values{"current_password": {"correct-horse"}, "new_password": {"short"}, "new_password2": {"short"}}, "new_password", "至少 8 个字符"},
		{"no current", url.Values{"new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}}, "current_password", "不能为空"},
	} {
		p := b.post("/me/password", c.form)
		if p.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d, want 400", c.name, p.Status)
		}
		p.contains(t, `id="e-`+c.field+`"`, c.msg, `id="profile-form"`)
		for _, pw := range c.form {
			if strings.Contains(p.Body, pw[0]) {
				t.Fatalf("%s: the page shows a password that was typed (%q)", c.name, pw[0])
			}
		}
	}
	if p := b.postRaw("/me/password", url.Values{"current_password": {"correct-horse"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}}); p.Status != http.StatusForbidden {
		t.Fatalf("a password form without its CSRF token: %d, want 403", p.Status)
	}

	ok := b.post("/me/password", url.Values{"current_password": {"correct-horse"}, "new_password": {"brand-new-pass"}, "new_password2": {"brand-new-pass"}})
	seeOther(t, "a good password change", ok, `^/me\?done=password&v=\d+$`)
	b.must(http.StatusOK, ok.Location).contains(t, "密码已修改")
	// This browser stays logged in; the API session (another device) ended.
	b.must(http.StatusOK, "/me").contains(t, "退出登录")
	if r := api.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("the other session after a password change: %d, want 401", r.Status)
	}
	other := newBrowser(t, sys)
	if p := other.login("bo@example.com", "correct-horse", "/"); p.Status != http.StatusUnauthorized {
		t.Fatalf("the old password: %d, want 401", p.Status)
	}
	if p := other.login("bo@example.com", "brand-new-pass", "/"); p.Status != http.StatusSeeOther {
		t.Fatalf("the new password: %d", p.Status)
	}
}

func TestMe_favoritesAreCardsPagedAndOneIsRemovedAtOnce(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, tenant := tenantAt(t, sys, "cy@example.com")
	landlord, _ := sys.Register("fav-landlord@example.com", "landlord")
	var ids []string
	for i := range 13 { // one more than a page
		id := landlord.Must(http.StatusCreated, "POST", "/listings", flat(fmt.Sprintf("收藏房源%02d", i), 3000+100*i, "haidian", 1))["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		tenant.Must(http.StatusOK, "PUT", "/users/me/favorites/"+id, nil)
		ids = append(ids, id)
	}
	first := b.must(http.StatusOK, "/me/favorites")
	// Newest favorite first: 12 on page 1, the oldest on page 2.
	first.contains(t, `id="tab-favorites" aria-current="page"`, "共 13 套", "收藏房源12", "收藏房源01", `id="unfav-`+ids[12]+`"`,
		`id="page-next"`, "共2页", "￥4,200/月")
	first.lacks(t, "收藏房源00")
	second := b.must(http.StatusOK, "/me/favorites?page=2")
	second.contains(t, "收藏房源00")

	if p := b.postRaw("/me/favorites/"+ids[5]+"/remove", url.Values{"back": {"/me/favorites"}}); p.Status != http.StatusForbidden {
		t.Fatalf("取消收藏 without its CSRF token: %d, want 403", p.Status)
	}
	rm := b.post("/me/favorites/"+ids[5]+"/remove", url.Values{"back": {"/me/favorites"}})
	seeOther(t, "取消收藏", rm, `^/me/favorites\?done=unfavorite&v=\d+$`)
	// The page it goes to already lacks it (read-your-writes), though the worker may not have projected it.
	after := b.must(http.StatusOK, rm.Location)
	after.contains(t, "已取消收藏", "共 12 套", "收藏房源00")
	after.lacks(t, "收藏房源05", "共2页")

	// Removing the last one of the last page goes back to the page before.
	b.post("/me/favorites/"+ids[0]+"/remove", url.Values{"back": {"/me/favorites?page=2"}})
	rm = b.post("/me/favorites/"+ids[1]+"/remove", url.Values{"back": {"/me/favorites?page=2"}})
	if p := b.follow(rm.Location); p.Status != http.StatusOK || !strings.Contains(p.Body, "收藏房源12") {
		t.Fatalf("after emptying page 2: %d %s", p.Status, excerpt(p.Body))
	}
	// Someone else's favorites are theirs alone.
	other, _ := tenantAt(t, sys, "dee@example.com")
	other.must(http.StatusOK, "/me/favorites").contains(t, `id="no-favorites"`)
}

func TestMe_historyIsMostRecentFirstAndClears(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, _ := tenantAt(t, sys, "eve@example.com")
	landlord, _ := sys.Register("hist-landlord@example.com", "landlord")
	first := publish(t, sys, landlord, flat("先看的房子", 5100, "haidian", 2))
	second := publish(t, sys, landlord, flat("后看的房子", 5200, "chaoyang", 1))
	b.must(http.StatusOK, "/listings/"+first)
	time.Sleep(5 * time.Millisecond) // two views, two instants
	b.must(http.StatusOK, "/listings/"+second)

	var hist page
	testenv.Eventually(t, 10*time.Second, func() string {
		hist = b.get("/me/history")
		if !strings.Contains(hist.Body, "后看的房子") || !strings.Contains(hist.Body, "先看的房子") {
			return "the views are not in the history yet"
		}
		return ""
	})
	if strings.Index(hist.Body, "后看的房子") > strings.Index(hist.Body, "先看的房子") {
		t.Fatal("the history is not most recent first")
	}
	hist.contains(t, `id="tab-history" aria-current="page"`, "浏览于", `id="clear-history"`, `data-confirm=`)

	if p := b.postRaw("/me/history/clear", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("清空 without its CSRF token: %d, want 403", p.Status)
	}
	clear := b.post("/me/history/clear", url.Values{})
	seeOther(t, "清空浏览记录", clear, `^/me/history\?done=cleared&v=\d+$`)
	after := b.must(http.StatusOK, clear.Location)
	after.contains(t, "浏览记录已清空", `id="no-history"`)
	after.lacks(t, "先看的房子", "后看的房子")
}

func TestMe_ordersShowTheirStateInChineseAndTheActionsItAllows(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, tenant := tenantAt(t, sys, "fay@example.com")
	landlord, _ := sys.Register("order-landlord@example.com", "landlord")
	listing := publish(t, sys, landlord, flat("海淀 订单两居", 6000, "haidian", 2))
	toCancel := order(t, tenant, listing, 10, 3)
	toPay := order(t, tenant, listing, 200, 2)

	var list page
	testenv.Eventually(t, 10*time.Second, func() string {
		if list = b.get("/me/orders"); strings.Count(list.Body, `class="order"`) != 2 {
			return "the orders are not listed yet"
		}
		return ""
	})
	start, end := stay(10, 3)
	list.contains(t, `id="tab-orders" aria-current="page"`, "共 2 个", "海淀 订单两居", "北京 · 海淀区", "待房东确认",
		date(start), date(end), "3个月", "￥18,000", "￥12,000", `id="cancel-`+toCancel+`"`, `href="/listings/`+listing+`"`)
	list.lacks(t, `id="pay-`+toCancel+`"`)

	// Cancel asks first (the script's confirm, or without it this page), then cancels.
	ask := b.post("/me/orders/"+toCancel+"/cancel", url.Values{"back": {"/me/orders"}})
	if ask.Status != http.StatusOK {
		t.Fatalf("cancel without confirming: %d, want the question", ask.Status)
	}
	ask.contains(t, `id="confirm-cancel"`, "确定取消这个订单吗", `name="confirmed" value="1"`)
	if p := b.postRaw("/me/orders/"+toCancel+"/cancel", url.Values{"confirmed": {"1"}}); p.Status != http.StatusForbidden {
		t.Fatalf("cancel without its CSRF token: %d, want 403", p.Status)
	}
	canceled := b.post("/me/orders/"+toCancel+"/cancel", url.Values{"back": {"/me/orders"}, "confirmed": {"1"}})
	seeOther(t, "cancel", canceled, `^/me/orders\?done=canceled&v=\d+$`)
	after := b.must(http.StatusOK, canceled.Location)
	after.contains(t, "订单已取消", `id="state-`+toCancel+`">已取消<`)
	after.lacks(t, `id="cancel-`+toCancel+`"`)
	b.must(http.StatusOK, "/me/orders?status=canceled").contains(t, `data-order="`+toCancel+`"`)
	b.must(http.StatusOK, "/me/orders?status=wait_accept").lacks(t, `data-order="`+toCancel+`"`)

	// Another tenant: someone else's order is a missing page, and so is acting on it.
	other, _ := tenantAt(t, sys, "gus@example.com")
	other.must(http.StatusNotFound, "/me/orders/"+toPay).contains(t, "页面不存在")
	for _, move := range []string{"pay", "cancel", "review"} {
		if p := other.post("/me/orders/"+toPay+"/"+move, url.Values{"confirmed": {"1"}, "rating": {"5"}}); p.Status != http.StatusNotFound {
			t.Fatalf("a stranger's %s: %d, want 404", move, p.Status)
		}
	}
	b.must(http.StatusNotFound, "/me/orders/not-an-id")

	// The landlord accepts; the tenant pays on the order's page.
	accepted := landlord.Must(http.StatusOK, "POST", "/orders/"+toPay+"/accept", nil)
	detail := b.must(http.StatusOK, fmt.Sprintf("/me/orders/%s?v=%v", toPay, accepted["version"]))
	detail.contains(t, `id="order-state">待支付<`, `id="pay-`+toPay+`"`, "支付 ￥12,000", `id="cancel-`+toPay+`"`, "房东已确认")
	detail.lacks(t, `id="review-form"`)
	if p := b.postRaw("/me/orders/"+toPay+"/pay", url.Values{}); p.Status != http.StatusForbidden {
		t.Fatalf("pay without its CSRF token: %d, want 403", p.Status)
	}
	paid := b.post("/me/orders/"+toPay+"/pay", url.Values{"back": {"/me/orders/" + toPay}})
	seeOther(t, "pay", paid, `^/me/orders/`+toPay+`\?done=paid&v=3$`)
	b.must(http.StatusOK, paid.Location).contains(t, `id="order-state">已支付<`, "支付成功")
	// Paying twice is a conflict, said on the order's page.
	again := b.post("/me/orders/"+toPay+"/pay", url.Values{})
	if again.Status != http.StatusConflict {
		t.Fatalf("paying twice: %d, want 409", again.Status)
	}
	again.contains(t, "订单状态已变化", `id="order-state">已支付<`)
	// A review before the stay is over is refused.
	early := b.post("/me/orders/"+toPay+"/review", url.Values{"rating": {"5"}})
	if early.Status != http.StatusConflict {
		t.Fatalf("an early review: %d, want 409", early.Status)
	}
	early.contains(t, "租期结束后才能评价")

	// Time passes: the stay is over and the periodic job ends it; the page asks for a review.
	base := sys.Open()
	defer base.Close()
	if _, err := base.Pools.Writer.Exec(`UPDATE orders SET start_date = ?, end_date = ? WHERE id = UNHEX(REPLACE(?, '-', ''))`,
		time.Now().AddDate(0, -2, 0).Format("2006-01-02"), time.Now().AddDate(0, 0, -1).Format("2006-01-02"), toPay); err != nil {
		t.Fatal(err)
	}
	if n, err := system.NewStayJob(base, nil).RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("the stay job: %d %v", n, err)
	}
	form := b.must(http.StatusOK, "/me/orders/"+toPay+"?v=4")
	// The form names the version it was drawn from, so a refusal draws the
	// page again from at least that version, not from a read model behind it.
	form.contains(t, `id="order-state">待评价<`, `id="review-form"`, `id="rating-5"`, `action="/me/orders/`+toPay+`/review?v=4"`)
	bad := b.post("/me/orders/"+toPay+"/review?v=4", url.Values{"content": {"采光很好"}})
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("a review without rating: %d, want 400", bad.Status)
	}
	bad.contains(t, `id="e-rating"`, "请选择 1 到 5 星", "采光很好")
	reviewed := b.post("/me/orders/"+toPay+"/review", url.Values{"rating": {"4"}, "content": {"采光很好，房东热情"}})
	seeOther(t, "review", reviewed, `^/me/orders/`+toPay+`\?done=reviewed&v=5$`)
	done := b.must(http.StatusOK, reviewed.Location)
	done.contains(t, `id="order-state">已完成<`, "感谢您的评价", "★★★★", "采光很好，房东热情")
	done.lacks(t, `id="review-form"`, `id="pay-`)
}

// date is how the pages write an ISO date.
func date(iso string) string {
	t, _ := time.Parse("2006-01-02", iso)
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

func TestLogin_anImportedAccountSetsANewPasswordThenLogsInAndReturns(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	if _, err := sys.API.Commands.ImportUser.Handle(context.Background(), command.ImportUser{
		Meta: command.Meta{Actor: rental.System}, Email: "old@example.com", Password: "123456", Nickname: "老用户", Roles: []string{"tenant"},
	}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, sys)
	if p := b.login("old@example.com", "654321", "/me/orders"); p.Status != http.StatusUnauthorized || strings.Contains(p.Body, "new-password-notice") {
		t.Fatalf("a wrong old password: %d, want 401 and no new-password step", p.Status)
	}
	step := b.login("old@example.com", "123456", "/me/orders")
	if step.Status != http.StatusOK {
		t.Fatalf("the right old password: %d, want the new-password step", step.Status)
	}
	step.contains(t, `id="new-password-notice"`, `name="new_password"`, `name="new_password2"`, `value="old@example.com"`, "设置新密码并登录")
	step.lacks(t, `id="e-new_password"`)
	// The step carries the old password back (hidden, never shown as text) so the user types only the new one.
	if m := regexp.MustCompile(`<input type="hidden" name="password" value="([^"]*)">`).FindStringSubmatch(step.Body); m == nil || m[1] != "123456" {
		t.Fatalf("the step keeps the old password in its hidden field: %v", m)
	}

	send := func(pw, pw2 string) page {
		return b.post("/login", url.Values{"login": {"old@example.com"}, "password": {"123456"}, "new_password": {pw}, "new_password2": {pw2}, "next": {"/me/orders"}})
	}
	mismatch := send("a-new-password", "a-new-passwort")
	if mismatch.Status != http.StatusBadRequest {
		t.Fatalf("new passwords differ: %d", mismatch.Status)
	}
	mismatch.contains(t, `id="e-new_password2"`, "两次输入的新密码不一致", `id="new-password-notice"`)
	short := send("short", "short")
	short.contains(t, `id="e-new_password"`, "至少 8 个字符")
	same := send("123456", "123456")
	if same.Status != http.StatusBadRequest {
		t.Fatalf("the old password again: %d", same.Status)
	}
	for _, p := range []page{mismatch, short} {
		p.lacks(t, "a-new-password", "a-new-passwort", `value="short"`)
	}
	// A forged step (no token) is refused like every form.
	if p := b.postRaw("/login", url.Values{"login": {"old@example.com"}, "password": {"123456"}, "new_password": {"a-new-password"}, "new_password2": {"a-new-password"}}); p.Status != http.StatusForbidden {
		t.Fatalf("the step without its CSRF token: %d", p.Status)
	}
	ok := send("a-new-password", "a-new-password")
	seeOther(t, "the new password", ok, `^/me/orders$`)
	sessionCookie(t, ok)
	b.must(http.StatusOK, "/me/orders").contains(t, "老用户", "退出登录")

	again := newBrowser(t, sys)
	if p := again.login("old@example.com", "123456", "/"); p.Status != http.StatusUnauthorized {
		t.Fatalf("the old password after the step: %d, want 401", p.Status)
	}
	seeOther(t, "the new password next time", again.login("old@example.com", "a-new-password", "/me"), `^/me$`)
}

func TestMe_ordersArePagedFilteredByStateAndARejectionSaysWhy(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	b, tenant := tenantAt(t, sys, "hal@example.com")
	landlord, _ := sys.Register("paging-landlord@example.com", "landlord")
	listing := publish(t, sys, landlord, flat("丰台 十一个月", 3000, "fengtai", 1))
	var ids []string
	for i := range 11 { // one month each, one after the other: one more than a page
		ids = append(ids, order(t, tenant, listing, 31*i, 1))
	}
	landlord.Must(http.StatusOK, "POST", "/orders/"+ids[3]+"/reject", map[string]any{"reason": "那几天房东自住"})

	first := b.must(http.StatusOK, "/me/orders?v=1") // fresh: every order and the rejection are in MySQL
	first.contains(t, "共 11 个", `id="page-next"`, "共2页", `data-order="`+ids[10]+`"`, `data-order="`+ids[1]+`"`)
	first.lacks(t, `data-order="`+ids[0]+`"`) // the oldest is on page 2
	b.must(http.StatusOK, "/me/orders?page=2&v=1").contains(t, `data-order="`+ids[0]+`"`)

	rejected := b.must(http.StatusOK, "/me/orders?status=rejected&v=1")
	rejected.contains(t, "共 1 个", `data-order="`+ids[3]+`"`, "已拒绝", "那几天房东自住", `href="/me/orders?status=rejected" aria-current="page"`)
	rejected.lacks(t, `id="cancel-`+ids[3]+`"`, `data-order="`+ids[4]+`"`)
	b.must(http.StatusOK, "/me/orders/"+ids[3]).contains(t, `id="reject-reason"`, "那几天房东自住")
	// An unknown state is all of them, not an error page.
	b.must(http.StatusOK, "/me/orders?status=nonsense&v=1").contains(t, "共 11 个")
	b.must(http.StatusOK, "/me/orders?status=complete&v=1").contains(t, `id="no-orders"`, "没有已完成的订单")
}
