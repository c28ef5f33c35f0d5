package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

//go:embed templates/*.html
var templateFS embed.FS

// templates holds one template set per page: the layout, every fragment
// (files starting with "_") and the page's own file, which defines "content".
type templates map[string]*template.Template

func loadTemplates(funcs template.FuncMap) (templates, error) {
	base := template.New("").Funcs(funcs)
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	var pageFiles []string
	for _, n := range names {
		file := path.Base(n)
		if file == "layout.html" || strings.HasPrefix(file, "_") {
			if _, err := base.ParseFS(templateFS, n); err != nil {
				return nil, fmt.Errorf("parsing %s: %w", n, err)
			}
			continue
		}
		pageFiles = append(pageFiles, n)
	}
	out := templates{}
	for _, n := range pageFiles {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", n, err)
		}
		out[strings.TrimSuffix(path.Base(n), ".html")] = t
	}
	return out, nil
}

// Page is what every template gets: the data of the layout (who is logged
// in, the current city, the CSRF token) and the page's own Data.
type Page struct {
	Title  string
	CSRF   string // the hidden _csrf field of every changing form
	Key    string // a fresh _key for a form (see meta): a resubmit acts once
	User   *userView
	Actor  rental.Actor
	City   rental.City
	Cities []rental.City
	Path   string // this page's local URL, for login?next=
	Form   Form
	Data   any
}

// userView is the logged-in user as the top bar and /me show them.
type userView struct {
	events.UserState
}

func (u userView) Is(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Name is what the top bar calls the user.
func (u userView) Name() string {
	switch {
	case u.Nickname != "":
		return u.Nickname
	case u.Mobile != "":
		return u.Mobile
	default:
		return u.Email
	}
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// userVersionKey: a page that just changed the user (profile) asks the top
// bar to read at least this version.
const userVersionKey = "web.user_version"

// render draws page name with data.
func (p *pages) render(c echo.Context, status int, name, title string, data any) error {
	return p.draw(c, status, name, Page{Title: title, Data: data})
}

// renderForm draws a page with a form: with 200 the first time, with the
// refusal's status (400, 409) and the fields' messages after a refused command.
func (p *pages) renderForm(c echo.Context, name, title string, f Form, data any) error {
	status := f.Status
	if status == 0 {
		status = http.StatusOK
	}
	return p.draw(c, status, name, Page{Title: title, Form: f, Data: data})
}

func (p *pages) draw(c echo.Context, status int, name string, pg Page) error {
	t, ok := p.tpl[name]
	if !ok {
		return fmt.Errorf("no template %q", name)
	}
	pg, err := p.withLayout(c, pg)
	if err != nil {
		return err
	}
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout", pg); err != nil {
		return fmt.Errorf("drawing page %s: %w", name, err)
	}
	return p.send(c, status, buf.Bytes(), nil)
}

// send writes a page; gz is its gzipped form when one is kept (else nil).
func (p *pages) send(c echo.Context, status int, page, gz []byte) error {
	h := c.Response().Header()
	h.Set(echo.HeaderCacheControl, "private, no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	return sendEncoded(c, status, echo.MIMETextHTMLCharsetUTF8, page, gz)
}

// withLayout fills in what the layout draws: the tokens, the user, the city.
func (p *pages) withLayout(c echo.Context, pg Page) (Page, error) {
	if pg.CSRF == "" { // a shared page brings its stand-in and no key
		pg.CSRF, pg.Key = csrfOf(c), rental.NewID().String()
	}
	pg.Actor = actorOf(c)
	pg.Cities, pg.City = p.cities, p.currentCity(c)
	pg.Path = c.Request().URL.RequestURI()
	if pg.Form.Values == nil {
		pg.Form.Values = map[string][]string{}
	}
	if !pg.Actor.Anonymous() {
		v, _ := c.Get(userVersionKey).(int64)
		u, err := p.currentUser(c, v)
		if err != nil && rental.ErrorCode(err) != rental.ENOTFOUND {
			return pg, err
		}
		pg.User = u
	}
	return pg, nil
}

// renderShared draws a page (200) that, for a visitor who is not logged in,
// is a function of key alone (the answers it reads and the request,
// answers.go): it is drawn once per key and kept. A visitor's page holds no
// CSRF token (the layout gives one only to logged-in users, whose scripts
// post), so a kept page is the same bytes for everyone and is kept gzipped
// too. Should a page hold a form after all, it is drawn with a stand-in
// where the token goes, kept split there and sent with each visitor's own
// token put in. view builds the page's data; it runs only when the page
// must be drawn. A logged-in user's page is drawn afresh every time.
func (p *pages) renderShared(c echo.Context, key fragmentKey, name, title string, f Form, view func() (any, error)) error {
	if !actorOf(c).Anonymous() || f.Status != 0 {
		data, err := view()
		if err != nil {
			return err
		}
		return p.renderForm(c, name, title, f, data)
	}
	key.request += "|" + p.currentCity(c).Code // the top bar's city
	kept, ok := p.answers.pages.Get(key)
	if !ok {
		var err error
		if kept, err = p.drawKept(c, name, title, f, view); err != nil {
			return err
		}
		p.answers.pages.Add(key, kept)
	}
	if len(kept.parts) == 1 {
		return p.send(c, http.StatusOK, kept.parts[0], kept.gz)
	}
	token := csrfOf(c)
	buf := buffers.Get().(*bytes.Buffer)
	buf.Reset()
	defer buffers.Put(buf)
	for i, part := range kept.parts {
		if i > 0 {
			buf.WriteString(token)
		}
		buf.Write(part)
	}
	return p.send(c, http.StatusOK, buf.Bytes(), nil)
}

// keptPage is a visitor's page as kept: split where the CSRF token goes
// (one part if it holds none, and then gzipped too).
type keptPage struct {
	parts [][]byte
	gz    []byte
}

// drawKept draws a page for every visitor: it must hold no one's token.
func (p *pages) drawKept(c echo.Context, name, title string, f Form, view func() (any, error)) (keptPage, error) {
	data, err := view()
	if err != nil {
		return keptPage{}, err
	}
	t, ok := p.tpl[name]
	if !ok {
		return keptPage{}, fmt.Errorf("no template %q", name)
	}
	pg, err := p.withLayout(c, Page{Title: title, Form: f, Data: data, CSRF: p.answers.stand})
	if err != nil {
		return keptPage{}, err
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		return keptPage{}, fmt.Errorf("drawing page %s: %w", name, err)
	}
	k := keptPage{parts: bytes.Split(buf.Bytes(), []byte(p.answers.stand))}
	if len(k.parts) == 1 {
		k.gz = gzipKept(k.parts[0])
	}
	return k, nil
}

// CityCookie remembers the city the user chose.
const CityCookie = "rental_city"

// pageCityKey: a page about one city's thing (a listing) names that city
// as the top bar's current city.
const pageCityKey = "web.city"

// currentCity is the city the page is about, else that of ?city=, else the
// one the user chose, else the first.
func (p *pages) currentCity(c echo.Context) rental.City {
	if code, ok := c.Get(pageCityKey).(string); ok {
		if cty, ok := p.city(code); ok {
			return cty
		}
	}
	if cty, ok := p.city(c.QueryParam("city")); ok {
		return cty
	}
	if ck, err := c.Cookie(CityCookie); err == nil {
		if cty, ok := p.city(ck.Value); ok {
			return cty
		}
	}
	if len(p.cities) == 0 {
		return rental.City{}
	}
	return p.cities[0]
}

func (p *pages) city(code string) (rental.City, bool) {
	for _, c := range p.cities {
		if c.Code == code {
			return c, true
		}
	}
	return rental.City{}, false
}

// switchCity remembers the city chosen in the top bar and goes back.
func (p *pages) switchCity(c echo.Context) error {
	cty, ok := p.city(c.QueryParam("city"))
	if !ok {
		return rental.Errorf(rental.ENOTFOUND, "no such city")
	}
	c.SetCookie(&http.Cookie{Name: CityCookie, Value: cty.Code, Path: "/", MaxAge: 365 * 24 * 3600,
		SameSite: http.SameSiteLaxMode, Secure: secure(c)})
	return see303(c, localPath(c.QueryParam("next"), "/?city="+cty.Code))
}
