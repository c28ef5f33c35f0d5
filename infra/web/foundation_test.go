package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

func TestPages_unknownPathIsAnHTMLPageAndTheAPIStaysJSON(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b := newBrowser(t, sys)
	p := b.get("/no/such/page")
	if p.Status != http.StatusNotFound || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("an unknown page: %d %s, want a 404 HTML page", p.Status, p.Header.Get("Content-Type"))
	}
	p.contains(t, `<html lang="zh-CN">`, "页面不存在", "返回首页")
	api := b.get("/api/v1/no-such-route")
	if api.Status != http.StatusNotFound || !strings.HasPrefix(api.Header.Get("Content-Type"), "application/json") ||
		!strings.Contains(api.Body, `"code":"not_found"`) {
		t.Fatalf("an unknown API route: %d %s %s, want the JSON error", api.Status, api.Header.Get("Content-Type"), api.Body)
	}
	// A POST to the API is not a page: no CSRF token is asked of it.
	if r := sys.Client().Do("POST", "/users", map[string]any{}); r.Status != http.StatusBadRequest {
		t.Fatalf("POST /api/v1/users with a bad body: %d %s, want 400 JSON", r.Status, r.Body)
	}
}

func TestPages_assetsHaveContentHashedNamesAndLongCacheHeaders(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b := newBrowser(t, sys)
	home := b.must(http.StatusOK, "/login")
	css := regexp.MustCompile(`/assets/app\.[0-9a-f]{10}\.css`).FindString(home.Body)
	js := regexp.MustCompile(`/assets/app\.[0-9a-f]{10}\.js`).FindString(home.Body)
	if css == "" || js == "" {
		t.Fatalf("the layout links no hashed CSS/JS: %q %q", css, js)
	}
	for path, ct := range map[string]string{css: "text/css", js: "text/javascript"} {
		a := b.must(http.StatusOK, path)
		if !strings.HasPrefix(a.Header.Get("Content-Type"), ct) || a.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: Content-Type %q Cache-Control %q", path, a.Header.Get("Content-Type"), a.Header.Get("Cache-Control"))
		}
	}
	if p := b.get("/assets/app.0000000000.css"); p.Status != http.StatusNotFound {
		t.Fatalf("an old asset name: %d, want 404", p.Status)
	}
}

// Pages and text assets go gzipped to a client that takes it, as every
// browser does: a kept visitor's page and an asset compressed once, a page
// drawn for one request on the way out; the same bytes once decoded.
func TestPages_goGzippedToClientsThatTakeItAndAsTheyAreToOthers(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b := newBrowser(t, sys)
	css := regexp.MustCompile(`/assets/app\.[0-9a-f]{10}\.css`).FindString(b.must(http.StatusOK, "/login").Body)
	fetch := func(path, acceptEncoding string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", sys.URL+path, nil)
		req.Header.Set("Accept-Encoding", acceptEncoding) // set, so Go's client leaves the body as sent
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: %d, Vary %q", path, res.StatusCode, res.Header.Get("Vary"))
		}
		return res, body
	}
	for _, path := range []string{"/", "/login", css} {
		plain, body := fetch(path, "gzip;q=0, identity")
		if plain.Header.Get("Content-Encoding") != "" {
			t.Fatalf("%s sent %q to a client that refuses gzip", path, plain.Header.Get("Content-Encoding"))
		}
		zipped, wire := fetch(path, "gzip, deflate, br, zstd")
		if zipped.Header.Get("Content-Encoding") != "gzip" || zipped.Header.Get("Content-Length") != strconv.Itoa(len(wire)) {
			t.Fatalf("%s to a browser: Content-Encoding %q, Content-Length %q for %d bytes", path,
				zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Length"), len(wire))
		}
		zr, err := gzip.NewReader(bytes.NewReader(wire))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		decoded, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if len(wire) >= len(decoded) {
			t.Fatalf("%s: %d bytes gzipped from %d", path, len(wire), len(decoded))
		}
		// The login page is drawn per request (a fresh idempotency key), the
		// visitor's home page and the stylesheet are kept: the same bytes.
		if path != "/login" && !bytes.Equal(decoded, body) {
			t.Fatalf("%s: the gzipped body decodes to other bytes than the plain one", path)
		}
		if path == "/login" && !bytes.Contains(decoded, []byte(`id="login-form"`)) {
			t.Fatal("the gzipped login page has no login form")
		}
	}
}

func TestRegister_logsInAndALoginReturnsToTheNextPage(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b := newBrowser(t, sys)

	// /me asks a visitor to log in and come back.
	p := b.get("/me")
	if p.Status != http.StatusSeeOther || p.Location != "/login?next=%2Fme" {
		t.Fatalf("/me logged out: %d to %q, want 303 to /login?next=%%2Fme", p.Status, p.Location)
	}
	reg := b.post("/register", url.Values{"email": {"amy@example.com"}, "nickname": {"小艾"},
		"password": {"correct-horse"}, "password2": {"correct-horse"}, "roles": {"tenant"}, "next": {"/me"}})
	if reg.Status != http.StatusSeeOther || reg.Location != "/me" {
		t.Fatalf("register: %d to %q: %s", reg.Status, reg.Location, excerpt(reg.Body))
	}
	me := b.must(http.StatusOK, "/me")
	me.contains(t, "小艾", "退出登录")
	ck := sessionCookie(t, reg)
	if !strings.Contains(ck, "HttpOnly") || !strings.Contains(ck, "SameSite=Lax") || strings.Contains(ck, "Secure") {
		t.Fatalf("session cookie over plain HTTP: %q, want HttpOnly, SameSite=Lax, not Secure", ck)
	}

	// Log out (a POST), then log in from a listing search: back to it.
	out := b.post("/logout", url.Values{})
	if out.Status != http.StatusSeeOther {
		t.Fatalf("logout: %d", out.Status)
	}
	if p := b.get("/me"); p.Status != http.StatusSeeOther {
		t.Fatalf("/me after logout: %d, want a redirect to login", p.Status)
	}
	in := b.login("amy@example.com", "correct-horse", "/listings?city=beijing&bedrooms=2")
	if in.Status != http.StatusSeeOther || in.Location != "/listings?city=beijing&bedrooms=2" {
		t.Fatalf("login: %d to %q, want back to the search", in.Status, in.Location)
	}
	// next must be a path of this site.
	if in := b.login("amy@example.com", "correct-horse", "//evil.example/x"); in.Location != "/" {
		t.Fatalf("login with next=//evil.example: to %q, want /", in.Location)
	}
}

func TestSessionCookie_isSecureBehindTLS(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	sys.Register("tls@example.com", "tenant")
	b := newBrowser(t, sys)
	form := url.Values{"login": {"tls@example.com"}, "password": {"correct-horse"}, "_csrf": {b.csrf()}}
	req, _ := http.NewRequest("POST", sys.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	p := b.do(req)
	if ck := sessionCookie(t, p); !strings.Contains(ck, "Secure") {
		t.Fatalf("session cookie behind TLS: %q, want Secure", ck)
	}
}

func TestLogin_wrongPasswordShowsTheFormAgain(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	sys.Register("bo@example.com", "tenant")
	b := newBrowser(t, sys)
	p := b.login("bo@example.com", "wrong-password", "/")
	if p.Status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401 and the form", p.Status)
	}
	p.contains(t, "账号或密码错误", `value="bo@example.com"`)
	if strings.Contains(p.Body, "wrong-password") {
		t.Fatal("the form shows the password that was typed")
	}
	empty := b.login("", "", "/")
	if empty.Status != http.StatusBadRequest {
		t.Fatalf("empty login: %d, want 400", empty.Status)
	}
	empty.contains(t, `id="e-login"`, `aria-describedby="e-login"`, "不能为空")
}

func TestRegister_badInputShowsEachFieldsMessageAndKeepsWhatWasTyped(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	b := newBrowser(t, sys)
	p := b.post("/register", url.Values{"email": {"not-an-email"}, "nickname": {"小明"},
		"password": {"correct-horse"}, "password2": {"correct-horse"}})
	if p.Status != http.StatusBadRequest {
		t.Fatalf("bad email: %d, want 400 and the form", p.Status)
	}
	p.contains(t, `id="e-email"`, "请输入有效的邮箱地址", `value="not-an-email"`, `value="小明"`)
	mismatch := b.post("/register", url.Values{"email": {"x@example.com"}, "nickname": {"x"},
		"password": {"correct-horse"}, "password2": {"other-horse"}})
	mismatch.contains(t, `id="e-password2"`, "两次输入的密码不一致")
}

func TestForms_withoutTheirCSRFTokenAreRefused(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	sys.Register("cy@example.com", "tenant")
	b := newBrowser(t, sys)
	b.csrf() // the browser has its cookie, the forged form has no token
	for path, form := range map[string]url.Values{
		"/login":    {"login": {"cy@example.com"}, "password": {"correct-horse"}},
		"/register": {"email": {"z@example.com"}, "password": {"correct-horse"}, "password2": {"correct-horse"}, "nickname": {"z"}},
		"/logout":   {},
	} {
		p := b.postRaw(path, form)
		if p.Status != http.StatusForbidden {
			t.Fatalf("POST %s without CSRF token: %d, want 403", path, p.Status)
		}
		wrong := cloneForm(form)
		wrong.Set("_csrf", strings.Repeat("x", 43))
		if p := b.postRaw(path, wrong); p.Status != http.StatusForbidden {
			t.Fatalf("POST %s with a wrong CSRF token: %d, want 403", path, p.Status)
		}
	}
	if p := b.login("cy@example.com", "correct-horse", "/"); p.Status != http.StatusSeeOther {
		t.Fatalf("the same login with its token: %d", p.Status)
	}
}

func sessionCookie(t *testing.T, p page) string {
	t.Helper()
	for _, c := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(c, "rental_session=") {
			return c
		}
	}
	t.Fatalf("no session cookie set: %v", p.Header.Values("Set-Cookie"))
	return ""
}
