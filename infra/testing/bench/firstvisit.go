package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Fetched is one resource of a first visit.
type Fetched struct {
	URL    string
	Kind   string // document, stylesheet, script, icon, image, font
	Status int
	Bytes  int64 // on the wire: the body as sent (compressed if it was) plus the response headers
}

// Visit is a first visit to a page with an empty cache.
type Visit struct {
	Page      string
	Resources []Fetched
	Outside   []string // references to other hosts (none may exist: there is no internet)
}

// Total is the bytes the visit transferred.
func (v Visit) Total() int64 {
	var n int64
	for _, r := range v.Resources {
		n += r.Bytes
	}
	return n
}

// ByKind sums the bytes per kind of resource.
func (v Visit) ByKind() map[string]int64 {
	out := map[string]int64{}
	for _, r := range v.Resources {
		out[r.Kind] += r.Bytes
	}
	return out
}

var (
	tagRe    = regexp.MustCompile(`(?is)<(link|script|img|source)\b[^>]*>`)
	attrRe   = regexp.MustCompile(`(?is)\b(href|src|srcset|rel|as)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)`)
	cssURLRe = regexp.MustCompile(`url\(\s*['"]?([^'")]+)['"]?\s*\)`)
	fontRe   = regexp.MustCompile(`\.(woff2?|ttf|otf)$`)
)

// FirstVisit fetches the page at base+path the way a browser with an empty
// cache does (accepting gzip), then every stylesheet, script, icon and
// image it references and every font or image its stylesheets reference,
// each once, and counts the bytes on the wire. Lazy images are counted too:
// an upper bound of what a visit that scrolls to the bottom transfers.
func FirstVisit(ctx context.Context, base, path string) (Visit, error) {
	v := Visit{Page: path}
	origin, err := url.Parse(base)
	if err != nil {
		return v, err
	}
	seen := map[string]bool{}
	var get func(ref *url.URL, kind string) ([]byte, error)
	get = func(ref *url.URL, kind string) ([]byte, error) {
		if ref.Host != origin.Host {
			v.Outside = append(v.Outside, ref.String())
			return nil, nil
		}
		if seen[ref.String()] {
			return nil, nil
		}
		seen[ref.String()] = true
		body, f, err := fetchWire(ctx, ref.String())
		if err != nil {
			return nil, err
		}
		f.Kind = kind
		v.Resources = append(v.Resources, f)
		return body, nil
	}
	pageURL := origin.ResolveReference(&url.URL{Path: path})
	if u, err := url.Parse(path); err == nil {
		pageURL = origin.ResolveReference(u)
	}
	doc, err := get(pageURL, "document")
	if err != nil {
		return v, err
	}
	type ref struct {
		u    *url.URL
		kind string
	}
	var refs []ref
	for _, tag := range tagRe.FindAllStringSubmatch(string(doc), -1) {
		attrs := map[string]string{}
		for _, a := range attrRe.FindAllStringSubmatch(tag[0], -1) {
			attrs[strings.ToLower(a[1])] = html.UnescapeString(strings.Trim(a[2], `"'`))
		}
		name := strings.ToLower(tag[1])
		var kind, target string
		switch name {
		case "link":
			rel := strings.ToLower(attrs["rel"])
			switch {
			case strings.Contains(rel, "stylesheet"):
				kind = "stylesheet"
			case strings.Contains(rel, "icon"):
				kind = "icon"
			case strings.Contains(rel, "preload"):
				kind = attrs["as"]
			default:
				continue // canonical, alternate, ...: not fetched
			}
			target = attrs["href"]
		case "script":
			kind, target = "script", attrs["src"]
		case "img", "source":
			kind, target = "image", attrs["src"]
			if target == "" && attrs["srcset"] != "" {
				// The first candidate: what a 1x screen picks from a width-ordered list.
				target = strings.Fields(strings.Split(attrs["srcset"], ",")[0])[0]
			}
		}
		if target == "" || strings.HasPrefix(target, "data:") {
			continue
		}
		u, err := url.Parse(target)
		if err != nil {
			continue
		}
		refs = append(refs, ref{pageURL.ResolveReference(u), kind})
	}
	for _, r := range refs {
		body, err := get(r.u, r.kind)
		if err != nil {
			return v, err
		}
		if r.kind != "stylesheet" {
			continue
		}
		for _, m := range cssURLRe.FindAllStringSubmatch(string(body), -1) {
			if strings.HasPrefix(m[1], "data:") || strings.HasPrefix(m[1], "#") {
				continue
			}
			u, err := url.Parse(m[1])
			if err != nil {
				continue
			}
			kind := "image"
			if fontRe.MatchString(u.Path) {
				kind = "font"
			}
			if _, err := get(r.u.ResolveReference(u), kind); err != nil {
				return v, err
			}
		}
	}
	sort.SliceStable(v.Resources, func(i, j int) bool { return v.Resources[i].Bytes > v.Resources[j].Bytes })
	return v, nil
}

// visitClient accepts gzip itself so the body's wire size can be counted.
var visitClient = &http.Client{Transport: &http.Transport{DisableCompression: true}}

// fetchWire GETs a URL as a browser would and returns the decoded body and
// its bytes on the wire.
func fetchWire(ctx context.Context, u string) ([]byte, Fetched, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, Fetched{}, err
	}
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,image/avif,image/webp,*/*")
	res, err := visitClient.Do(req)
	if err != nil {
		return nil, Fetched{}, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, Fetched{}, fmt.Errorf("reading %s: %w", u, err)
	}
	headers := int64(len(res.Proto) + 5 + len(res.Status) + 2)
	for k, vs := range res.Header {
		for _, v := range vs {
			headers += int64(len(k) + len(v) + 4)
		}
	}
	f := Fetched{URL: u, Status: res.StatusCode, Bytes: int64(len(raw)) + headers + 2}
	if res.StatusCode != http.StatusOK {
		return nil, f, fmt.Errorf("%s answered %d", u, res.StatusCode)
	}
	body := raw
	if res.Header.Get("Content-Encoding") == "gzip" {
		if body, err = gunzip(raw); err != nil {
			return nil, f, fmt.Errorf("decoding %s: %w", u, err)
		}
	}
	return body, f, nil
}

func gunzip(b []byte) ([]byte, error) {
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

var listingLink = regexp.MustCompile(`href="(/listings/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"`)

// FirstVisits measures, against a running site at base whose listings have
// photos (DemoFirstVisits' scratch system, or `--first-visit URL`), a first
// visit to / and to the first listing page / links to, each with an empty
// cache.
func FirstVisits(ctx context.Context, base string) (Table, error) {
	t := Table{
		Title:  "First visit with an empty cache (gzip accepted; every referenced stylesheet, script, icon, font and image fetched once, lazy images included) at " + base,
		Header: []string{"page", "requests", "on the wire", "document", "stylesheet", "script", "icon", "font", "image", "photos", "largest photo"},
	}
	home, err := FirstVisit(ctx, base, "/")
	if err != nil {
		return t, err
	}
	pages := []Visit{home}
	doc, _, err := fetchWire(ctx, base+"/")
	if err != nil {
		return t, err
	}
	if m := listingLink.FindSubmatch(doc); m != nil {
		detail, err := FirstVisit(ctx, base, string(m[1]))
		if err != nil {
			return t, err
		}
		pages = append(pages, detail)
	}
	kb := func(n int64) string { return fmt.Sprintf("%.1f KB", float64(n)/1024) }
	for _, v := range pages {
		by := v.ByKind()
		photos, largest := 0, int64(0)
		for _, r := range v.Resources {
			if r.Kind == "image" && strings.Contains(r.URL, "/photos/") {
				photos++
				largest = max(largest, r.Bytes)
			}
		}
		t.Add(v.Page, len(v.Resources), kb(v.Total()), kb(by["document"]), kb(by["stylesheet"]), kb(by["script"]), kb(by["icon"]),
			kb(by["font"]), kb(by["image"]), photos, kb(largest))
		if len(v.Outside) > 0 {
			t.Notes = append(t.Notes, fmt.Sprintf("%s references outside this origin (not fetched): %s", v.Page, strings.Join(v.Outside, " ")))
		}
	}
	t.Notes = append(t.Notes, "Target (issue 10): a first visit to / transfers ≤ 300 KB with photos at card size.")
	return t, nil
}

// DemoFirstVisits measures FirstVisits on a scratch system filled the way
// `make up` fills its own: `rentalctl seed` (300 listings with the demo
// photos, renters' views, bookings and reviews) against this environment's
// database and key prefix, so the home page shows every section with its
// card photos. It never touches the system `make up` serves.
func DemoFirstVisits(ctx context.Context, env *Env) (Table, error) {
	api, _, err := env.StartPipeline(ctx, "firstvisit", 1)
	if err != nil {
		return Table{}, err
	}
	if err := seedDemo(ctx, env); err != nil {
		return Table{}, err
	}
	if err := waitCards(ctx, api, 24); err != nil {
		return Table{}, err
	}
	t, err := FirstVisits(ctx, api)
	t.Title = "First visit with an empty cache to a scratch system seeded by `rentalctl seed` (gzip accepted; every referenced stylesheet, script, icon, font and image fetched once, lazy images included)"
	return t, err
}

// seedDemo runs `go run ./cmd/rentalctl seed` (the bench runs from the
// module's root, as `make bench` does) with the environment's configuration.
func seedDemo(ctx context.Context, env *Env) error {
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/rentalctl", "seed")
	cmd.Env = append(os.Environ(),
		"RENTAL_MYSQL_DSN="+env.Cfg.MySQLDSN,
		"RENTAL_MYSQL_READ_DSN=", // a reader set in the shell (make up's :3308) must not be read
		"RENTAL_REDIS_ADDR="+env.Cfg.Redis.Addr,
		"RENTAL_REDIS_PASSWORD=",
		"RENTAL_REDIS_PREFIX="+env.Cfg.Prefix,
		"RENTAL_RELAY_MIN_REPLICAS=0",
		fmt.Sprintf("RENTAL_BCRYPT_COST=%d", env.Cfg.BcryptCost))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("seeding the demo data: %w: %s", err, out)
	}
	return nil
}

var cardPhoto = regexp.MustCompile(`class="card-photo" src="`)

// waitCards waits until the home page shows at least n card photos (the
// worker has projected the seeded listings and their activity).
func waitCards(ctx context.Context, api string, n int) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		doc, _, err := fetchWire(ctx, api+"/")
		if err == nil && len(cardPhoto.FindAll(doc, -1)) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the home page did not show %d card photos within 2 minutes (last error: %v)", n, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
