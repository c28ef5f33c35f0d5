package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
)

// CSRF protection by double submit: a random token in a cookie that only
// this origin can read back into its forms (hidden field _csrf) or scripts
// (header X-CSRF-Token). A changing request whose token does not match its
// cookie is refused with 403. Any replica can check it: nothing is shared.
//
// Not echo's middleware.CSRF: it lets a request through on
// "Sec-Fetch-Site: same-origin" without looking at the token, so a browser
// form posted without its token would pass, which this site promises not to do.
const (
	CSRFCookie = "rental_csrf"
	CSRFField  = "_csrf"
	CSRFHeader = "X-CSRF-Token"
	csrfKey    = "web.csrf"
)

func (p *pages) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isPage(c.Request().URL.Path) {
			return next(c)
		}
		token := ""
		if ck, err := c.Cookie(CSRFCookie); err == nil && len(ck.Value) >= 32 {
			token = ck.Value
		}
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			sent := c.Request().Header.Get(CSRFHeader)
			if sent == "" {
				sent = c.FormValue(CSRFField)
			}
			if token == "" || subtle.ConstantTimeCompare([]byte(token), []byte(sent)) != 1 {
				return rental.Errorf(rental.EFORBIDDEN, "表单已失效（缺少或错误的 CSRF 令牌），请返回刷新页面后重试")
			}
		}
		if token != "" {
			c.Set(csrfKey, token)
		}
		return next(c)
	}
}

func newCSRFToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// csrfOf is the visitor's token, given a cookie now if they have none: only
// a page that holds the token sets one, so a visitor's shared page (which
// holds none, render.go) goes out without a Set-Cookie and is the same
// bytes for everyone.
func csrfOf(c echo.Context) string {
	if t, ok := c.Get(csrfKey).(string); ok {
		return t
	}
	t := newCSRFToken()
	c.SetCookie(&http.Cookie{Name: CSRFCookie, Value: t, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	c.Set(csrfKey, t)
	return t
}
