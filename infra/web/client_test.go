package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

// browser is a user at the pages: a cookie jar and no automatic
// redirects, so a test sees each 303 and where it goes.
type browser struct {
	t    *testing.T
	base string
	http *http.Client
}

func newBrowser(t *testing.T, sys *testenv.System) *browser {
	jar, _ := cookiejar.New(nil)
	hc := testenv.Checked(t, jar) // what it asks of /api/v1 is held to the API's document
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, base: sys.URL, http: hc}
}

type page struct {
	Status   int
	Body     string
	Location string
	Header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{Status: res.StatusCode, Body: string(body), Location: res.Header.Get("Location"), Header: res.Header}
}

// get loads a page.
func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

// follow loads a page and follows its redirects.
func (b *browser) follow(path string) page {
	b.t.Helper()
	p := b.get(path)
	for i := 0; i < 5 && p.Status/100 == 3; i++ {
		p = b.get(p.Location)
	}
	return p
}

// must loads a page and fails unless it answers want.
func (b *browser) must(want int, path string) page {
	b.t.Helper()
	p := b.get(path)
	if p.Status != want {
		b.t.Fatalf("GET %s: %d, want %d (location %q): %s", path, p.Status, want, p.Location, excerpt(p.Body))
	}
	return p
}

// post sends a form with the CSRF token the pages gave this browser, as a
// form drawn by the site carries it.
func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	form = cloneForm(form)
	if form.Get("_csrf") == "" {
		form.Set("_csrf", b.csrf())
	}
	return b.postRaw(path, form)
}

// postRaw sends a form as it is (a forged form has no token).
func (b *browser) postRaw(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// csrf is the token of this browser's CSRF cookie (loading a page first if needed).
func (b *browser) csrf() string {
	b.t.Helper()
	u, _ := url.Parse(b.base)
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "rental_csrf" {
			return c.Value
		}
	}
	b.must(http.StatusOK, "/login")
	for _, c := range b.http.Jar.Cookies(u) {
		if c.Name == "rental_csrf" {
			return c.Value
		}
	}
	b.t.Fatal("the pages set no CSRF cookie")
	return ""
}

// login logs in through the login form and returns where it redirected.
func (b *browser) login(login, password, next string) page {
	b.t.Helper()
	return b.post("/login", url.Values{"login": {login}, "password": {password}, "next": {next}})
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// contains fails unless the page holds every piece of text.
func (p page) contains(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !strings.Contains(p.Body, s) {
			t.Fatalf("page (status %d) lacks %q: %s", p.Status, s, excerpt(p.Body))
		}
	}
}

var tags = regexp.MustCompile(`(?s)<head>.*?</head>|<[^>]+>`)
var spaces = regexp.MustCompile(`\s+`)

// excerpt is a page's text, short enough for a failure message.
func excerpt(body string) string {
	s := spaces.ReplaceAllString(tags.ReplaceAllString(body, " "), " ")
	if len(s) > 1500 {
		s = s[:1500] + "…"
	}
	return s
}
