package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
	"github.com/zufang/rental/query"
)

// SessionCookie carries the same session token POST /api/v1/sessions hands
// out, so a page and the API authenticate the same way (and through the near
// cache's session cache when it is enabled).
const SessionCookie = "rental_session"

const (
	actorKey     = "web.actor"
	tokenHashKey = "web.token_hash"
)

// session reads the session cookie. A request without one is anonymous; a
// cookie whose session ended (logged out elsewhere, expired) is cleared and
// the request goes on anonymous: a page never answers 401.
func (p *pages) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !isPage(c.Request().URL.Path) {
			return next(c)
		}
		ck, err := c.Cookie(SessionCookie)
		if err != nil || strings.TrimSpace(ck.Value) == "" {
			return next(c)
		}
		hash := command.HashToken(strings.TrimSpace(ck.Value))
		actor, err := p.Auth.Authenticate(c.Request().Context(), hash)
		switch rental.ErrorCode(err) {
		case "":
			c.Set(actorKey, actor)
			c.Set(tokenHashKey, hash)
		case rental.EUNAUTHORIZED, rental.ENOTFOUND:
			clearSessionCookie(c)
		default:
			return err
		}
		return next(c)
	}
}

// setSessionCookie starts a browser session with a token from OpenSession.
func setSessionCookie(c echo.Context, s command.SessionOpened) {
	c.SetCookie(&http.Cookie{
		Name: SessionCookie, Value: s.Token, Path: "/", Expires: s.ExpiresAt,
		MaxAge:   int(time.Until(s.ExpiresAt).Seconds()),
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c),
	})
}

func clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(c)})
}

// secure reports whether the browser reached us over TLS, directly or
// through the load balancer (X-Forwarded-Proto: https).
func secure(c echo.Context) bool { return c.Scheme() == "https" }

// actorOf is who the request acts for: the session's user, or the zero
// (anonymous) actor.
func actorOf(c echo.Context) rental.Actor {
	a, _ := c.Get(actorKey).(rental.Actor)
	return a
}

func tokenHashOf(c echo.Context) []byte {
	h, _ := c.Get(tokenHashKey).([]byte)
	return h
}

// meta is what every command a page runs carries. A form's hidden _key
// (a fresh one each time the form is drawn) with what the form holds
// becomes the command id, so a double click or a resubmitted form returns
// the first result instead of acting twice; the same form sent with other
// values is another command.
func meta(c echo.Context) command.Meta {
	m := command.Meta{Actor: actorOf(c), CommandID: rental.NewID(), Client: c.RealIP(),
		CorrelationID: c.Response().Header().Get(echo.HeaderXRequestID)}
	if key := c.FormValue("_key"); key != "" && len(key) <= 64 {
		vals, _ := c.FormParams()
		rest := url.Values{}
		for k, v := range vals {
			if k != CSRFField && k != "_key" {
				rest[k] = v
			}
		}
		scope := "web\x00" + m.Actor.String() + "\x00" + c.Request().Method + " " + c.Request().URL.Path + "\x00" + key + "\x00" + rest.Encode()
		m.CommandID, m.MayRepeat = uuidFor(scope), true
	}
	return m
}

// currentUser reads the logged-in user's profile for the top bar; nil when
// anonymous. minVersion > 0 after the user changed their profile.
func (p *pages) currentUser(c echo.Context, minVersion int64) (*userView, error) {
	a := actorOf(c)
	if a.Anonymous() {
		return nil, nil
	}
	b, err := p.Queries.CurrentUser.Handle(c.Request().Context(), query.CurrentUser{Actor: a, MinVersion: minVersion})
	if err != nil {
		return nil, err
	}
	var u userView
	if err := decode(b, &u); err != nil {
		return nil, err
	}
	return &u, nil
}
