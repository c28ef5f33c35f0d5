// Package browser drives Debian's Chromium (headless, through chromedp) for
// the tests of the web pages: each person in a scenario gets a browser
// context of their own (their own cookies), and every page a scenario reaches
// can be screenshotted at a desktop and a phone width. The browser is the one
// installed on the machine (/usr/bin/chromium); nothing is downloaded.
package browser

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/zufang/rental/infra/testing/testenv"
)

// DefaultPath is where Debian's chromium package installs the browser.
const DefaultPath = "/usr/bin/chromium"

// Widths are the viewport widths every screenshot is taken at: a desktop and
// a 375 px phone.
var Widths = []int64{1280, 375}

// Path returns the browser to run: $RENTAL_CHROMIUM or Debian's chromium.
func Path() string {
	if p := os.Getenv("RENTAL_CHROMIUM"); p != "" {
		return p
	}
	return DefaultPath
}

// Require skips the test when no browser is installed, except under CI=true
// where a missing browser is a failure (.ci/run installs it).
func Require(t testing.TB) string {
	t.Helper()
	p := Path()
	if _, err := exec.LookPath(p); err != nil {
		testenv.SkipOrFail(t, "no browser at %s (apt-get install chromium): %v", p, err)
	}
	return p
}

// Browser is one Chromium process with a fresh profile.
type Browser struct {
	t     testing.TB
	ctx   context.Context // the browser's first tab: it owns the process
	base  string
	shots string
}

// Start runs a headless Chromium for the test (stopped when it ends) that
// opens pages of the site at base.
func Start(t testing.TB, base string) *Browser {
	t.Helper()
	path := Require(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no deadline
		cancel()
		cancelAlloc()
		t.Fatalf("starting %s: %v", path, err)
	}
	t.Cleanup(func() { cancel(); cancelAlloc() })
	return &Browser{t: t, ctx: ctx, base: strings.TrimSuffix(base, "/"), shots: ScreenshotDir(t)}
}

// ScreenshotDir is where the test's screenshots go: $RENTAL_SCREENSHOTS (kept
// as an artifact; `make test` sets it) or a temporary directory.
func ScreenshotDir(t testing.TB) string {
	if d := os.Getenv("RENTAL_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("screenshot directory: %v", err)
		}
		return d
	}
	return t.TempDir()
}

// User opens a window for one person: a browser context of its own, so its
// cookies are its own. Pages that answer with a script error or a failed
// sub-resource (a broken image, a missing stylesheet) fail the test at its end.
func (b *Browser) User(name string) *Page {
	b.t.Helper()
	p := &Page{t: b.t, b: b, name: name}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext(), chromedp.WithListener(p.listen))
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(Widths[0], 900)); err != nil {
		cancel()
		b.t.Fatalf("opening a window for %s: %v", name, err)
	}
	p.ctx = ctx
	b.t.Cleanup(func() {
		cancel()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, problem := range p.problems {
			b.t.Errorf("%s's browser: %s", name, problem)
		}
	})
	return p
}

// Page is one person's tab.
type Page struct {
	t    testing.TB
	b    *Browser
	name string
	ctx  context.Context

	mu       sync.Mutex
	problems []string // script errors and failed sub-resources, reported at the end
	requests map[network.RequestID]string
	allowed  map[string]bool // sub-resource URLs a test fetches expecting a refusal
	bytes    int64           // encoded bytes received since the last ResetBytes
	urls     []string
}

// listen runs on chromedp's reading goroutine: it only records.
func (p *Page) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.requests == nil {
		p.requests = map[network.RequestID]string{}
	}
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.problems = append(p.problems, "script error: "+exceptionText(ev.ExceptionDetails))
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError {
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			p.problems = append(p.problems, "console.error: "+strings.Join(parts, " "))
		}
	case *network.EventRequestWillBeSent:
		p.requests[ev.RequestID] = ev.Request.URL
	case *network.EventResponseReceived:
		if ev.Response.Status >= 400 && ev.Type != network.ResourceTypeDocument && !p.allowed[ev.Response.URL] {
			p.problems = append(p.problems, fmt.Sprintf("%s %s answered %d", ev.Type, ev.Response.URL, ev.Response.Status))
		}
	case *network.EventLoadingFinished:
		p.bytes += int64(ev.EncodedDataLength)
		p.urls = append(p.urls, p.requests[ev.RequestID])
	case *network.EventLoadingFailed:
		if ev.Type != network.ResourceTypeDocument && !ev.Canceled {
			p.problems = append(p.problems, fmt.Sprintf("%s %s failed: %s", ev.Type, p.requests[ev.RequestID], ev.ErrorText))
		}
	}
}

func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "?"
	}
	s := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		s += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d)", s, d.URL, d.LineNumber+1)
}

// Context is the tab's chromedp context, for actions the helpers lack.
func (p *Page) Context() context.Context { return p.ctx }

// wait bounds one step: a page that never appears fails the test, it does not hang it.
const wait = 20 * time.Second

func (p *Page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("%s: %s: %v (at %s)", p.name, what, err, p.location())
	}
}

func run[T any](p *Page, what string, action chromedp.Action[T]) T {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	v, err := chromedp.Run(ctx, action)
	if err != nil {
		p.t.Fatalf("%s: %s: %v (at %s)", p.name, what, err, p.location())
	}
	return v
}

func (p *Page) location() string {
	ctx, cancel := context.WithTimeout(p.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "?"
	}
	return loc
}

// Open loads a page of the site (a path such as "/listings?city=beijing") and
// returns its HTTP status.
func (p *Page) Open(path string) int64 {
	p.t.Helper()
	res := run(p, "opening "+path, chromedp.NavigateResponse(p.b.base+path))
	return res.Status
}

// Click clicks the element (a link or a submit button) and waits for the page
// it leads to; it returns that page's HTTP status.
func (p *Page) Click(sel string) int64 {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, wait)
	defer cancel()
	res, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		p.t.Fatalf("%s: clicking %s: %v (at %s)", p.name, sel, err, p.location())
	}
	if res == nil {
		// A same-page navigation (a #fragment) answers no response: say so, not a nil dereference.
		p.t.Fatalf("%s: clicking %s led to no page load (at %s)", p.name, sel, p.location())
	}
	return res.Status
}

// Press clicks an element that changes the page in place (no navigation).
func (p *Page) Press(sel string) {
	p.t.Helper()
	p.do("pressing "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Type replaces the field's value by typing text into it, key by key.
func (p *Page) Type(sel, text string) {
	p.t.Helper()
	p.do("typing into "+sel,
		chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value = ""`, sel)),
		chromedp.Click(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Choose picks the option with the value in a <select>, as a user's choice
// would (the change event fires).
func (p *Page) Choose(sel, value string) {
	p.t.Helper()
	p.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	ok := run(p, "choosing "+value+" in "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`(() => {
		const s = document.querySelector(%q);
		if (![...s.options].some(o => o.value === %q)) return false;
		s.value = %q;
		s.dispatchEvent(new Event('input', {bubbles: true}));
		s.dispatchEvent(new Event('change', {bubbles: true}));
		return true;
	})()`, sel, value, value)))
	if !ok {
		p.t.Fatalf("%s: %s has no option %q (at %s)", p.name, sel, value, p.location())
	}
}

// Check ticks a checkbox or radio button unless it is ticked already.
func (p *Page) Check(sel string) {
	p.t.Helper()
	if !run(p, "reading "+sel, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q).checked`, sel))) {
		p.do("ticking "+sel, chromedp.Click(chromedp.CSS(sel)))
	}
}

// Upload sets the files of a file input.
func (p *Page) Upload(sel string, files ...string) {
	p.t.Helper()
	p.do("choosing files for "+sel, chromedp.SetUploadFiles(chromedp.CSS(sel), files))
}

// Text returns the visible text of the first element matching sel.
func (p *Page) Text(sel string) string {
	p.t.Helper()
	return run(p, "reading "+sel, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
}

// Value returns the value of a form field.
func (p *Page) Value(sel string) string {
	p.t.Helper()
	return run(p, "reading the value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// Attr returns an attribute of the first element matching sel ("" if absent).
func (p *Page) Attr(sel, name string) string {
	p.t.Helper()
	return run(p, "reading "+name+" of "+sel, chromedp.Evaluate[string](
		fmt.Sprintf(`(document.querySelector(%q) || {getAttribute: () => ""}).getAttribute(%q) || ""`, sel, name)))
}

// Count returns how many elements match sel now.
func (p *Page) Count(sel string) int {
	p.t.Helper()
	return run(p, "counting "+sel, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
}

// Has reports whether an element matches sel now.
func (p *Page) Has(sel string) bool { p.t.Helper(); return p.Count(sel) > 0 }

// WaitFor waits until an element matching sel is visible.
func (p *Page) WaitFor(sel string) {
	p.t.Helper()
	p.do("waiting for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// Body is the visible text of the whole page.
func (p *Page) Body() string {
	p.t.Helper()
	return run(p, "reading the page", chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
}

// Eval runs a script in the page and decodes its result.
func Eval[T any](p *Page, script string) T {
	p.t.Helper()
	return run(p, "running "+script, chromedp.Evaluate[T](script))
}

// URL is the address the tab shows.
func (p *Page) URL() *url.URL {
	p.t.Helper()
	u, err := url.Parse(run(p, "reading the address", chromedp.Location()))
	if err != nil {
		p.t.Fatal(err)
	}
	return u
}

// Path is the path and query the tab shows ("/listings?city=beijing").
func (p *Page) Path() string {
	p.t.Helper()
	u := p.URL()
	return u.RequestURI()
}

// Back goes back one page in the tab's history.
func (p *Page) Back() {
	p.t.Helper()
	p.do("going back", chromedp.NavigateBack())
}

// AcceptDialogs answers every confirm() the page opens with OK, as a user
// who confirms a deletion would.
func (p *Page) AcceptDialogs() {
	dialogs := chromedp.Events(p.ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(p.ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
}

// Cookies returns the tab's cookies for the site by name.
func (p *Page) Cookies() map[string]*network.Cookie {
	p.t.Helper()
	res := run(p, "reading cookies", func(ctx context.Context, t *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, t, network.GetCookies, network.GetCookiesParams{URLs: []string{p.b.base + "/"}})
	})
	out := map[string]*network.Cookie{}
	for _, c := range res.Cookies {
		out[c.Name] = c
	}
	return out
}

// ResetBytes starts counting the bytes the tab receives afresh (and clears
// the browser cache, so the next visit is a first one).
func (p *Page) ResetBytes() {
	p.t.Helper()
	p.do("clearing the cache", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, network.ClearBrowserCache, cdp.Empty{})
		return err
	}))
	p.mu.Lock()
	p.bytes, p.urls = 0, nil
	p.mu.Unlock()
}

// Received returns the encoded bytes (as sent over the wire, headers
// included) and the URLs the tab has loaded since ResetBytes.
func (p *Page) Received() (int64, []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bytes, append([]string(nil), p.urls...)
}

// Settle waits until the page has loaded every image it shows (lazy ones
// included once scrolled to), so a screenshot or a byte count is complete.
func (p *Page) Settle() {
	p.t.Helper()
	run(p, "waiting for the page to finish loading", chromedp.Poll[bool](
		`document.readyState === 'complete' && [...document.images].every(i => i.complete)`,
		chromedp.WithPollingTimeout(wait)))
}

var unsafeName = regexp.MustCompile(`[^a-zA-Z0-9_-]+`)

// Shot saves a full-page screenshot at every width in Widths as
// <dir>/<test>-<name>-<width>.png, then returns to the desktop width.
func (p *Page) Shot(name string) []string {
	p.t.Helper()
	test := unsafeName.ReplaceAllString(strings.TrimPrefix(p.t.Name(), "Test"), "_")
	var files []string
	// A full-page screenshot shows every image of the page, so none may wait
	// for a scroll that never comes (a lazy photo in a swipeable gallery).
	run(p, "loading the lazy images", chromedp.Evaluate[bool](
		`document.querySelectorAll('img[loading="lazy"]').forEach(i => i.loading = "eager"), true`))
	// From the top, so a sticky top bar is drawn where it belongs, not where the page was scrolled to.
	run(p, "scrolling to the top", chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`))
	for _, w := range Widths {
		mobile := w < 600
		p.do("resizing to "+fmt.Sprint(w), chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, emulation.SetDeviceMetricsOverride, emulation.SetDeviceMetricsOverrideParams{
				Width: w, Height: 900, DeviceScaleFactor: 1, Mobile: mobile,
			})
			return err
		}))
		p.Settle()
		png := run(p, "taking a screenshot", chromedp.FullScreenshot(100))
		file := filepath.Join(p.b.shots, fmt.Sprintf("%s-%s-%d.png", test, unsafeName.ReplaceAllString(name, "_"), w))
		if err := os.WriteFile(file, png, 0o644); err != nil {
			p.t.Fatal(err)
		}
		files = append(files, file)
	}
	p.do("resizing back", chromedp.EmulateViewport(Widths[0], 900))
	p.t.Logf("screenshots: %s", strings.Join(files, " "))
	return files
}

// Fetch sends a request from inside the page (same origin, with the tab's
// cookies) and returns the status: it lets a test post a form the way a
// forged page would, without the token.
func (p *Page) Fetch(method, path string, form url.Values) int {
	p.t.Helper()
	p.mu.Lock()
	if p.allowed == nil {
		p.allowed = map[string]bool{}
	}
	p.allowed[p.b.base+path] = true // the answer is the test's to judge
	p.mu.Unlock()
	script := fmt.Sprintf(`fetch(%q, {method: %q, headers: {'Content-Type': 'application/x-www-form-urlencoded'}, body: %q, redirect: 'manual'}).then(r => r.status)`,
		path, method, form.Encode())
	if method == "GET" {
		script = fmt.Sprintf(`fetch(%q, {redirect: 'manual'}).then(r => r.status)`, path)
	}
	return run(p, method+" "+path, chromedp.Evaluate[int](script, func(ep *runtime.EvaluateParams) { ep.AwaitPromise = new(true) }))
}

// LogIn fills the login form the page shows (after a redirect to /login, or
// on /login itself) and submits it; it returns the status of the page it
// leads to.
func (p *Page) LogIn(login, password string) int64 {
	p.t.Helper()
	p.WaitFor("#login-form")
	p.Type("#f-login", login)
	p.Type("#f-password", password)
	return p.Click("#login-submit")
}

// CSRF is the page's CSRF token (the layout's csrf-token meta), for posts a
// test sends from inside the page.
func (p *Page) CSRF() string {
	p.t.Helper()
	return Eval[string](p, `(document.querySelector('meta[name="csrf-token"]') || {}).content || ""`)
}

// Scripts turns the page's JavaScript on or off, for the paths a browser
// without it takes (every form must work without it).
func (p *Page) Scripts(on bool) {
	p.t.Helper()
	p.do("turning scripts "+map[bool]string{true: "on", false: "off"}[on], chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: !on})
		return err
	}))
}
