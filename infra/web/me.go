package web

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/query"
)

// tenantRoutes are the logged-in user's own pages, under /me, with a tab bar
// (_me_tabs.html): the profile and password (/me), orders, favorites and the
// viewing history. Every route asks a visitor to log in first.
func (p *pages) tenantRoutes(r router) {
	me := r.With(loggedIn)
	me.GET("/me", p.me)
	me.POST("/me/profile", p.editProfile)
	me.POST("/me/password", p.changePassword)

	me.GET("/me/orders", p.myOrders)
	me.GET("/me/orders/:id", p.orderPage)
	me.POST("/me/orders/:id/pay", p.payOrder)
	me.POST("/me/orders/:id/cancel", p.cancelOrder)
	me.POST("/me/orders/:id/review", p.reviewOrder)

	me.GET("/me/favorites", p.myFavorites)
	me.POST("/me/favorites/:listing_id/remove", p.removeFavorite)

	me.GET("/me/history", p.myHistory)
	me.POST("/me/history/clear", p.clearHistory)
}

// loggedIn sends a visitor to log in and come back (errors.go).
func loggedIn(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if actorOf(c).Anonymous() {
			return rental.Errorf(rental.EUNAUTHORIZED, "log in first")
		}
		return next(c)
	}
}

// meTabs are the tab bar the /me pages share.
var meTabs = []tab{
	{"/me", "个人资料", "tab-profile"},
	{"/me/orders", "我的订单", "tab-orders"},
	{"/me/favorites", "我的收藏", "tab-favorites"},
	{"/me/history", "浏览记录", "tab-history"},
}

func newMeSection(c echo.Context, current string) section {
	return newSection(c, meTabs, meNotices, current)
}

// meNotices say what a change did, on the page it redirected to.
var meNotices = map[string]string{
	"profile":    "资料已保存。",
	"password":   "密码已修改，其他设备上的登录已退出。",
	"unfavorite": "已取消收藏。",
	"cleared":    "浏览记录已清空。",
	"paid":       "支付成功，祝您入住愉快。",
	"canceled":   "订单已取消，所选日期已释放。",
	"reviewed":   "感谢您的评价！",
}

// afterChange is where a change redirects: back (a local page, the one the
// form was on) with v=<the new version>, so that page reads at least it, and
// done=<what was done> for its notice.
func afterChange(back, fallback string, v int64, done string) string {
	u, err := url.Parse(localPath(back, fallback))
	if err != nil {
		u, _ = url.Parse(fallback)
	}
	q := u.Query()
	q.Set("v", strconv.FormatInt(v, 10))
	q.Set("done", done)
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.RequestURI()
}

// pageParam reads ?page=; anything but a positive number is the first page.
func pageParam(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// meView is the profile page: the two forms and the recommendations.
type meView struct {
	section
	Profile  Form
	Password Form
	Since    string // when the account was registered
	Picks    []listingView
}

// me is the user's profile page. After a change (?v=N) it reads at least that
// version of the user, the top bar too.
func (p *pages) me(c echo.Context) error {
	return p.drawMe(c, http.StatusOK, Form{}, Form{})
}

// drawMe draws the profile page with the profile and password forms as
// given: a form with no values is filled from the profile.
func (p *pages) drawMe(c echo.Context, status int, profile, password Form) error {
	v := version(c)
	c.Set(userVersionKey, v)
	u, err := p.currentUser(c, v)
	if err != nil {
		return err
	}
	if profile.Values == nil {
		profile.Values = url.Values{"nickname": {u.Nickname}, "email": {u.Email}, "mobile": {u.Mobile}, "roles": u.Roles}
	}
	if password.Values == nil {
		password.Values = url.Values{}
	}
	b, err := p.Queries.Recommendations.Handle(c.Request().Context(), query.Recommendations{Actor: actorOf(c)})
	if err != nil {
		return err
	}
	var picks listingPage
	if err := decode(b, &picks); err != nil {
		return err
	}
	view := meView{section: newMeSection(c, "/me"), Profile: profile, Password: password,
		Since: date(u.CreatedAt), Picks: picks.Items}
	return p.draw(c, status, "me", Page{Title: "个人资料", Data: view})
}

// Initial is the first character of the user's name, for the avatar.
func (u userView) Initial() string {
	for _, r := range u.Name() {
		return string(r)
	}
	return "我"
}

// roleNames name the roles in Chinese.
var roleNames = map[string]string{"tenant": "租客", "landlord": "房东", "admin": "运维"}

// RoleNames are the user's roles in Chinese.
func (u userView) RoleNames() []string {
	out := make([]string, 0, len(u.Roles))
	for _, r := range u.Roles {
		if n, ok := roleNames[r]; ok {
			out = append(out, n)
		} else {
			out = append(out, r)
		}
	}
	return out
}
