package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

// Defects found by trying the API as an attacker would (issue 11).

func TestHardening_aLongRequestIDNeverTurnsACommandInto500(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("rid@example.com", "landlord")
	long := strings.Repeat("x", 200)
	r := landlord.Do("POST", "/listings", flat("有请求号", 3000), "X-Request-Id", long)
	if r.Status != http.StatusCreated {
		t.Fatalf("a long X-Request-Id: %d %s, want 201", r.Status, r.Body)
	}
	if got := r.Header.Get("X-Request-Id"); got == long || len(got) > 64 {
		t.Fatalf("a long X-Request-Id is replaced, got %q", got)
	}
}

func TestHardening_aBodyTrickledInIsCutOffByTheReadTimeout(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.HTTPReadTimeout = time.Second
	}})
	conn, err := net.Dial("tcp", strings.TrimPrefix(sys.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const body = `{"login":"slow@example.com","password":"very-slow-password"}`
	if _, err := conn.Write([]byte("POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
		"Content-Length: " + itoa(len(body)) + "\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	answered := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(conn).ReadString('\n')
		answered <- line
	}()
	// One byte every 250 ms would take 15 s; the server must give up long before.
	for i := range len(body) {
		select {
		case line := <-answered:
			t.Logf("after %d of %d bytes the server answered %q", i, len(body), strings.TrimSpace(line))
			return
		case <-time.After(250 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			t.Logf("after %d of %d bytes the server closed the connection: %v", i, len(body), err)
			return
		}
	}
	t.Fatal("the whole trickled body was read: no read timeout")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestHardening_anIdempotencyKeyReusedForAnotherRequestIsRefused(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	alice := map[string]any{"email": "alice@example.com", "password": "alice-password", "nickname": "alice"}
	bob := map[string]any{"email": "bob@example.com", "password": "bob-password-1", "nickname": "bob"}
	first := sys.Client().Must(http.StatusCreated, "POST", "/users", alice, "Idempotency-Key", "signup-1")
	again := sys.Client().Must(http.StatusCreated, "POST", "/users", alice, "Idempotency-Key", "signup-1")
	if again["id"] != first["id"] {
		t.Fatalf("the same request under the same key answers the first result: %v %v", first, again)
	}
	// The same key, another body, from the same address: refused, naming the key, never alice's id.
	r := sys.Client().Do("POST", "/users", bob, "Idempotency-Key", "signup-1")
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), `"Idempotency-Key"`) {
		t.Fatalf("the key reused for another body: %d %s, want 409 naming Idempotency-Key", r.Status, r.Body)
	}
	// Another anonymous caller (another address) who picked the same key: no collision.
	second := sys.Client().Must(http.StatusCreated, "POST", "/users", bob, "Idempotency-Key", "signup-1", "X-Forwarded-For", "198.51.100.20")
	if second["id"] == first["id"] {
		t.Fatal("bob must get an account of his own")
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "bob@example.com", "password": "bob-password-1"})
	// Bob retrying from his address gets his first result.
	if again := sys.Client().Must(http.StatusCreated, "POST", "/users", bob, "Idempotency-Key", "signup-1", "X-Forwarded-For", "198.51.100.20"); again["id"] != second["id"] {
		t.Fatalf("bob's retry answers bob's first result: %v %v", again, second)
	}
}

func TestHardening_onlyExactKeysAndCanonicalIDsSoAnUpperCaseIDReRunsNothing(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("exact@example.com", "landlord")
	if r := landlord.Do("POST", "/listings", map[string]any{"Title": "大写键", "price": 3000}); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), `"Title"`) {
		t.Fatalf("a key in another case: %d %s, want 400 naming Title", r.Status, r.Body)
	}
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("规范编号", 3000))["id"].(string)
	first := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil, "Idempotency-Key", "pub-1")
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/unpublish", nil)
	for _, other := range []string{strings.ToUpper(id), "{" + id + "}", "urn:uuid:" + id} {
		r := landlord.Do("POST", "/listings/"+other+"/publish", nil, "Idempotency-Key", "pub-1")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"id"`) {
			t.Fatalf("publishing %s under the same key: %d %s, want 400 naming id", other, r.Status, r.Body)
		}
	}
	// The canonical retry answers the first result; the listing stays unpublished (version 3).
	if again := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil, "Idempotency-Key", "pub-1"); again["version"] != first["version"] {
		t.Fatalf("the retry answers the first result: %v, want %v", again, first)
	}
	if l := landlord.Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=3", nil); l["status"] != "unpublished" || l["version"] != float64(3) {
		t.Fatalf("nothing ran again: %v %v", l["status"], l["version"])
	}
}

func TestHardening_aListingAnOrderHoldsCannotBeDeletedAndUnpublishingStrandsNoOrder(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("held-owner@example.com", "landlord")
	tenant, _ := sys.Register("held-tenant@example.com", "tenant")
	listing := publishedListing(t, sys, landlord, flat("有订单的房", 4000))
	start := in(5)
	id := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/orders/"+id+"/accept", nil)

	r := landlord.Do("DELETE", "/listings/"+listing, nil)
	if r.Status != http.StatusConflict {
		t.Fatalf("deleting a listing an accepted order holds: %d %s, want 409", r.Status, r.Body)
	}
	// Unpublishing hides the listing from search and new bookings, but the
	// order on it runs its course: the tenant still pays.
	landlord.Must(http.StatusOK, "POST", "/listings/"+listing+"/unpublish", nil)
	other, _ := sys.Register("held-other@example.com", "tenant")
	if r := other.Do("POST", "/orders", order(listing, monthsFrom(start, 2), monthsFrom(start, 3))); r.Status != http.StatusBadRequest {
		t.Fatalf("an unpublished listing takes no new booking: %d %s", r.Status, r.Body)
	}
	paid := tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/pay", nil)
	o := tenant.Must(http.StatusOK, "GET", "/orders/"+id+"?min_version="+strconv.Itoa(int(paid["version"].(float64))), nil)
	if o["status"] != "paid" {
		t.Fatalf("the order on an unpublished listing is paid: %v", o)
	}
	if r := landlord.Do("DELETE", "/listings/"+listing, nil); r.Status != http.StatusConflict {
		t.Fatalf("deleting a listing a paid order holds: %d, want 409", r.Status)
	}

	// Once nothing holds it, the delete goes through.
	free := publishedListing(t, sys, landlord, flat("无订单", 4000))
	oid := tenant.Must(http.StatusCreated, "POST", "/orders", order(free, start, monthsFrom(start, 1)))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/orders/"+oid+"/reject", map[string]any{"reason": "已租出"})
	landlord.Must(http.StatusOK, "DELETE", "/listings/"+free, nil)
}

func TestHardening_twentyImagesOfTheLongestURLAreStoredAsSentNotEscaped(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	landlord, _ := sys.Register("images@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("二十张图", 3000))["id"].(string)
	// 1,024 bytes, most of them '&', which HTML-escaped JSON writes in six bytes (\u0026).
	url := func(i int) string {
		u := "https://img.example.com/" + strconv.Itoa(i) + "?"
		return u + strings.Repeat("&", 1024-len(u))
	}
	for i := range 20 {
		if r := landlord.Do("POST", "/listings/"+id+"/images", map[string]any{"url": url(i)}); r.Status != http.StatusCreated {
			t.Fatalf("image %d of 1,024 bytes: %d %s, want 201", i+1, r.Status, r.Body)
		}
	}
	if r := landlord.Do("POST", "/listings/"+id+"/images", map[string]any{"url": url(20)}); r.Status != http.StatusConflict {
		t.Fatalf("the 21st image: %d %s, want 409", r.Status, r.Body)
	}
	base := sys.Open()
	defer base.Close()
	var images string
	if err := base.Pools.Writer.QueryRow(`SELECT images FROM listings`).Scan(&images); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(images, `\u0026`) || !strings.Contains(images, url(19)) {
		t.Fatalf("images are stored as sent, not HTML-escaped (%d bytes)", len(images))
	}
	var payload string
	if err := base.Pools.Writer.QueryRow(`SELECT payload FROM event_log ORDER BY seq DESC LIMIT 1`).Scan(&payload); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(payload, `\u0026`) {
		t.Fatal("event payloads are stored unescaped too")
	}
	detail := landlord.Must(http.StatusOK, "GET", "/listings/"+id+"?min_version=21", nil)
	if imgs := detail["images"].([]any); len(imgs) != 20 || imgs[19].(map[string]any)["url"] != url(19) {
		t.Fatalf("the detail shows the 20 images as sent: %d", len(imgs))
	}
}

func TestHardening_aYearOneDateIsRefusedForWhatItIs(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	anyone := sys.Client()
	for _, c := range []struct{ path, field string }{
		{"/listings?city=beijing&start_date=0001-01-01&end_date=0001-01-10", "start_date"},
		{"/listings?city=beijing&start_date=2030-01-01&end_date=0001-01-01", "end_date"},
		{"/listings/01a20a2c-ae6e-7ea7-9a3f-e1661885ea25/availability?from=0001-01-01", "from"},
	} {
		r := anyone.Do("GET", c.path, nil)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%s: %d %s, want 400", c.path, r.Status, r.Body)
		}
		msg, _ := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)[c.field].(string)
		if !strings.Contains(msg, "1970") {
			t.Fatalf("%s: %s must say which dates are accepted, got %q", c.path, c.field, msg)
		}
	}
}

func TestHardening_aMinVersionBeyondTheAggregatesIsRefused(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("beyond@example.com", "landlord")
	listing := publishedListing(t, sys, landlord, flat("版本", 3000)) // version 2
	anyone := sys.Client()
	anyone.Must(http.StatusOK, "GET", "/listings/"+listing+"?min_version=2", nil)
	for _, c := range []struct {
		path, field string
		headers     []string
		who         *testenv.Client
	}{
		{"/listings/" + listing + "?min_version=1000000", "min_version", nil, anyone},
		{"/listings/" + listing, "X-Min-Version", []string{"X-Min-Version", "3"}, anyone},
		{"/users/me?min_version=99", "min_version", nil, landlord},
	} {
		r := c.who.Do("GET", c.path, nil, c.headers...)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%s %v: %d %s, want 400", c.path, c.headers, r.Status, r.Body)
		}
		if _, ok := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)[c.field]; !ok {
			t.Fatalf("%s: the error names %s: %s", c.path, c.field, r.Body)
		}
	}
}

func TestHardening_passwordsBcryptWouldCutOrAnyoneCouldGuessAreRefused(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	seventyTwo := strings.Repeat("k", 72)
	sys.Client().Must(http.StatusCreated, "POST", "/users", map[string]any{"email": "long@example.com", "password": seventyTwo, "nickname": "n"})
	// bcrypt reads 72 bytes: anything after them would log in.
	r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "long@example.com", "password": seventyTwo + "anything"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"password"`) {
		t.Fatalf("a login password over 72 bytes: %d %s, want 400 naming password", r.Status, r.Body)
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "long@example.com", "password": seventyTwo})

	for _, c := range []map[string]any{
		{"email": "same@example.com", "password": "same@example.com", "nickname": "n"},
		{"mobile": "13800138000", "password": "13800138000", "nickname": "n"},
		{"email": "common@example.com", "password": "Password123", "nickname": "n"},
		{"email": "common@example.com", "password": "woaini1314", "nickname": "n"},
	} {
		if r := sys.Client().Do("POST", "/users", c); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"password"`) {
			t.Fatalf("registering with password %q: %d %s, want 400 naming password", c["password"], r.Status, r.Body)
		}
	}
	user, _ := sys.Register("change@example.com", "tenant")
	for _, pw := range []string{"change@example.com", "iloveyou"} {
		r := user.Do("PUT", "/users/me/password", map[string]any{"current_password": "correct-horse", "new_password": pw})
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"new_password"`) {
			t.Fatalf("changing to %q: %d %s, want 400 naming new_password", pw, r.Status, r.Body)
		}
	}
}

func TestHardening_emailsAreNormalisedOnceAndComparedExactly(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	sys.Register("tenant@example.com", "tenant")
	login := func(as string) int {
		return sys.Client().Do("POST", "/sessions", map[string]any{"login": as, "password": "correct-horse"}).Status
	}
	if s := login("  Tenant@EXAMPLE.com "); s != http.StatusCreated {
		t.Fatalf("the same address typed with spaces and capitals logs in: %d", s)
	}
	for _, lookalike := range []string{"tenant@exämple.com", "tenant@éxample.com", "tenánt@example.com"} {
		if s := login(lookalike); s != http.StatusUnauthorized {
			t.Fatalf("%s must not log into tenant@example.com: %d", lookalike, s)
		}
	}
	// A look-alike is an address of its own: it registers, it does not collide.
	sys.Client().Must(http.StatusCreated, "POST", "/users", map[string]any{"email": "tenant@exämple.com", "password": "other-person-1", "nickname": "n"})
	// One spelling, whichever way its accent was typed (composed or not): the second is taken.
	r := sys.Client().Do("POST", "/users", map[string]any{"email": "tenant@exa\u0308mple.com", "password": "other-person-2", "nickname": "n"})
	if r.Status != http.StatusConflict {
		t.Fatalf("the decomposed spelling of a registered address: %d %s, want 409", r.Status, r.Body)
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "tenant@exa\u0308mple.com", "password": "other-person-1"})
}

func TestHardening_invisibleAndControlCharactersAreRefusedNamingTheField(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("chars-owner@example.com", "landlord")
	tenant, _ := sys.Register("chars-tenant@example.com", "tenant")
	draft := landlord.Must(http.StatusCreated, "POST", "/listings", flat("字符", 3000))["id"].(string)
	listing := publishedListing(t, sys, landlord, flat("可订", 3000))
	start := in(5)
	oid := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)
	for _, c := range []struct {
		name, method, path string
		who                *testenv.Client
		body               any
		field              string
	}{
		{"NUL in a title", "POST", "/listings", landlord, flat("a\x00b", 1), "title"},
		{"a line break in a title", "PATCH", "/listings/" + draft, landlord, map[string]any{"title": "第一行\n第二行"}, "title"},
		{"a right-to-left override in a community", "PATCH", "/listings/" + draft, landlord, map[string]any{"community": "gpj.\u202eexe"}, "community"},
		{"zero-width characters only in a block", "PATCH", "/listings/" + draft, landlord, map[string]any{"block": "\u200b\u200b"}, "block"},
		{"a C1 control in an address", "PATCH", "/listings/" + draft, landlord, map[string]any{"address": "路\u0085号"}, "address"},
		{"a NUL in a description", "PATCH", "/listings/" + draft, landlord, map[string]any{"description": "好\x00房"}, "description"},
		{"invalid UTF-8 in a floor", "PATCH", "/listings/" + draft, landlord, "{\"floor\":\"6\xff层\"}", "floor"},
		{"zero-width characters only in a nickname", "PATCH", "/users/me", tenant, map[string]any{"nickname": "\u200b\u2060"}, "nickname"},
		{"an isolate in a nickname", "POST", "/users", sys.Client(), map[string]any{"email": "iso@example.com", "password": "long-enough", "nickname": "a\u2066b"}, "nickname"},
		{"a bidi override in a reason", "POST", "/orders/" + oid + "/reject", landlord, map[string]any{"reason": "已\u202e租"}, "reason"},
		{"a control character in an image URL", "POST", "/listings/" + draft + "/images", landlord, map[string]any{"url": "https://img.example.com/\u202ea.jpg"}, "url"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := c.who.Do(c.method, c.path, c.body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
			}
			if _, ok := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)[c.field]; !ok {
				t.Fatalf("the error must name %q: %s", c.field, r.Body)
			}
		})
	}
	// Line breaks stay where text may span lines.
	landlord.Must(http.StatusOK, "PATCH", "/listings/"+draft, map[string]any{"description": "第一行\n第二行"})
}

func TestHardening_theLandlordRoleIsNeededForEveryLandlordMove(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	owner, _ := sys.Register("role-owner@example.com", "tenant", "landlord")
	other, _ := sys.Register("role-other@example.com", "landlord")
	tenant, _ := sys.Register("role-tenant@example.com", "tenant")
	draft := owner.Must(http.StatusCreated, "POST", "/listings", flat("草稿", 3000))["id"].(string)
	listing := publishedListing(t, sys, owner, flat("已上架", 3000))
	start := in(5)
	oid := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)

	// Someone else's draft: editing answers 404, as reading does; a published listing: 403.
	if r := other.Do("GET", "/listings/"+draft, nil); r.Status != http.StatusNotFound {
		t.Fatalf("reading another's draft: %d, want 404", r.Status)
	}
	for path, want := range map[string]int{"/listings/" + draft: http.StatusNotFound, "/listings/" + listing: http.StatusForbidden} {
		if r := other.Do("PATCH", path, map[string]any{"title": "他人的"}); r.Status != want {
			t.Fatalf("another landlord edits %s: %d %s, want %d", path, r.Status, r.Body, want)
		}
	}

	// The owner gives the landlord role up: no landlord move is left to them.
	owner.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"roles": []string{"tenant"}})
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"PATCH", "/listings/" + draft, map[string]any{"title": "改"}},
		{"POST", "/listings/" + draft + "/publish", nil},
		{"POST", "/listings/" + listing + "/unpublish", nil},
		{"POST", "/listings/" + draft + "/images", map[string]any{"url": "https://img.example.com/a.jpg"}},
		{"DELETE", "/listings/" + draft, nil},
		{"POST", "/orders/" + oid + "/accept", nil},
		{"POST", "/orders/" + oid + "/reject", map[string]any{"reason": "不租了"}},
	} {
		if r := owner.Do(c.method, c.path, c.body); r.Status != http.StatusForbidden {
			t.Fatalf("without the landlord role, %s %s: %d %s, want 403", c.method, c.path, r.Status, r.Body)
		}
	}
	// Taking the role back gives the moves back.
	owner.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"roles": []string{"tenant", "landlord"}})
	owner.Must(http.StatusOK, "POST", "/orders/"+oid+"/accept", nil)
}

func TestHardening_viewsCountDistinctViewersAndHotOnlyBookingsThatHeld(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("counts-owner@example.com", "landlord")
	tenant, _ := sys.Register("counts-tenant@example.com", "tenant")
	other, _ := sys.Register("counts-other@example.com", "tenant")
	listing := publishedListing(t, sys, landlord, flat("计数", 3000))

	// One tenant reads the listing 20 times: one view; another tenant: two.
	for range 20 {
		tenant.Must(http.StatusOK, "GET", "/listings/"+listing, nil)
	}
	other.Must(http.StatusOK, "GET", "/listings/"+listing, nil)
	base := sys.Open()
	defer base.Close()
	testenv.Eventually(t, 10*time.Second, func() string {
		var n int
		if err := base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM listing_viewers`).Scan(&n); err != nil || n != 2 {
			return fmt.Sprintf("viewers recorded: %d %v", n, err)
		}
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing, nil); d["views"] != float64(2) {
			return fmt.Sprintf("views %v, want 2", d["views"])
		}
		return ""
	})
	// Later reads by the same two change nothing. The views of one api are
	// recorded in the order they were noted: once other's history shows a
	// listing read after them, every one of them is in MySQL.
	for range 5 {
		tenant.Must(http.StatusOK, "GET", "/listings/"+listing, nil)
		other.Must(http.StatusOK, "GET", "/listings/"+listing, nil)
	}
	last := publishedListing(t, sys, landlord, flat("最后看的", 3000))
	other.Must(http.StatusOK, "GET", "/listings/"+last, nil)
	testenv.Eventually(t, 10*time.Second, func() string {
		if items := other.Must(http.StatusOK, "GET", "/users/me/history", nil)["items"].([]any); len(items) == 0 ||
			items[0].(map[string]any)["listing"].(map[string]any)["id"] != last {
			return fmt.Sprintf("the last read is not recorded yet: %v", items)
		}
		return ""
	})
	var views int
	if err := base.Pools.Writer.QueryRow(`SELECT views FROM listing_views WHERE listing_id = UNHEX(REPLACE(?, '-', ''))`, listing).Scan(&views); err != nil || views != 2 {
		t.Fatalf("views after more reads by the same viewers: %d %v, want 2", views, err)
	}
	if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing, nil); d["views"] != float64(2) {
		t.Fatalf("views shown after more reads by the same viewers: %v, want 2", d["views"])
	}

	// Placing and cancelling an order five times, and one the landlord
	// rejects, count no booking; a paid one counts one.
	start := in(5)
	for range 5 {
		id := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)
		tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/cancel", nil)
	}
	rejected := other.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/orders/"+rejected+"/reject", map[string]any{"reason": "不租"})
	l := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing+"?min_version=8", nil) // 2 + six placements
	if l["bookings"] != float64(0) {
		t.Fatalf("orders canceled or rejected count no booking: %v", l["bookings"])
	}
	held := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(start, 1)))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/orders/"+held+"/accept", nil)
	if l := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing+"?min_version=9", nil); l["bookings"] != float64(0) {
		t.Fatalf("an order not paid yet counts no booking: %v", l["bookings"])
	}
	tenant.Must(http.StatusOK, "POST", "/orders/"+held+"/pay", nil)
	if l := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing+"?min_version=10", nil); l["bookings"] != float64(1) {
		t.Fatalf("a paid order is a booking that held: %v", l["bookings"])
	}
}

func TestHardening_changingTheLoginNeedsThePasswordAndEndsOtherSessions(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.Attempts = command.AttemptLimits{Window: 15 * time.Minute, PasswordsPerAccount: 3}
	}})
	user, _ := sys.Register("mover@example.com", "tenant")
	other := sys.Client()
	other.Token = other.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "mover@example.com", "password": "correct-horse"})["token"].(string)

	// A nickname, or the same email again, needs no password.
	user.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"nickname": "搬家", "email": "Mover@example.com"})
	other.Must(http.StatusOK, "GET", "/users/me", nil)
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"email": "taken-over@example.com"}, "is needed"},
		{map[string]any{"mobile": "13800138000"}, "is needed"},
		{map[string]any{"email": "taken-over@example.com", "current_password": "wrong-horse"}, "does not match"},
	} {
		r := user.Do("PATCH", "/users/me", c.body)
		if r.Status != http.StatusBadRequest {
			t.Fatalf("%v: %d %s, want 400", c.body, r.Status, r.Body)
		}
		if msg, _ := r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)["current_password"].(string); !strings.Contains(msg, c.want) {
			t.Fatalf("%v: current_password says %q, want %q", c.body, msg, c.want)
		}
	}
	// The other session still works: nothing changed.
	other.Must(http.StatusOK, "GET", "/users/me", nil)

	res := user.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"email": "moved@example.com", "current_password": "correct-horse"})
	if r := other.Do("GET", "/users/me", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("another session after the email changed: %d, want 401", r.Status)
	}
	me := user.Must(http.StatusOK, "GET", "/users/me?min_version="+strconv.Itoa(int(res["version"].(float64))), nil)
	if me["email"] != "moved@example.com" {
		t.Fatalf("the session that changed it goes on, with the new email: %v", me)
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "moved@example.com", "password": "correct-horse"})

	// Wrong current passwords count towards the account's attempts (one was
	// counted above); a nickname edit, which checks none, still goes through.
	for range 2 {
		user.Must(http.StatusBadRequest, "PATCH", "/users/me", map[string]any{"email": "x@example.com", "current_password": "guess"})
	}
	r := user.Do("PATCH", "/users/me", map[string]any{"email": "x@example.com", "current_password": "correct-horse"})
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("the right password after 3 wrong ones: %d %s, want 429", r.Status, r.Body)
	}
	user.Must(http.StatusOK, "PATCH", "/users/me", map[string]any{"nickname": "还能改名"})
}

func TestHardening_attemptsAreLimitedPerAccountAndAddressOnEveryReplica(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.Attempts = command.AttemptLimits{Window: 15 * time.Minute, PasswordsPerAccount: 3, PasswordsPerAddress: 6, RegistrationsPerAddress: 4}
	}})
	other := sys.StartAPI() // a second replica: the counts are shared
	sys.Register("victim@example.com", "tenant")
	from := func(addr string) []string { return []string{"X-Forwarded-For", addr} }
	login := func(c *testenv.Client, who, pw, addr string) testenv.Response {
		return c.Do("POST", "/sessions", map[string]any{"login": who, "password": pw}, from(addr)...)
	}
	tooMany := func(what string, r testenv.Response) {
		t.Helper()
		wait, _ := strconv.Atoi(r.Header.Get("Retry-After"))
		if r.Status != http.StatusTooManyRequests || wait < 1 || wait > 15*60 || !strings.Contains(string(r.Body), `"too_many_requests"`) {
			t.Fatalf("%s: %d (Retry-After %q) %s, want 429 with Retry-After", what, r.Status, r.Header.Get("Retry-After"), r.Body)
		}
	}

	// Per account: three wrong passwords, then even the right one waits, on any replica, from anywhere.
	for i := range 3 {
		if r := login(sys.Client(), "victim@example.com", "wrong-password", "203.0.113.1"); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d", i+1, r.Status)
		}
	}
	tooMany("the right password after 3 wrong ones, on the other replica", login(other, "Victim@example.com", "correct-horse", "203.0.113.2"))

	// Per address: wrong passwords for many accounts from one address.
	for i := range 6 {
		if r := login(other, fmt.Sprintf("nobody%d@example.com", i), "wrong-password", "203.0.113.9"); r.Status != http.StatusUnauthorized {
			t.Fatalf("guess %d from one address: %d", i+1, r.Status)
		}
	}
	tooMany("a seventh account from the same address", login(sys.Client(), "nobody9@example.com", "wrong-password", "203.0.113.9"))
	if r := login(sys.Client(), "nobody9@example.com", "wrong-password", "203.0.113.10"); r.Status != http.StatusUnauthorized {
		t.Fatalf("another address is not limited: %d", r.Status)
	}

	// Registrations per address (typos do not count).
	sys.Client().Must(http.StatusBadRequest, "POST", "/users", map[string]any{"email": "typo", "password": "long-enough", "nickname": "n"}, from("198.51.100.7")...)
	for i := range 4 {
		sys.Client().Must(http.StatusCreated, "POST", "/users", map[string]any{"email": fmt.Sprintf("new%d@example.com", i), "password": "long-enough", "nickname": "n"}, from("198.51.100.7")...)
	}
	tooMany("a fifth registration from one address", other.Do("POST", "/users", map[string]any{"email": "new9@example.com", "password": "long-enough", "nickname": "n"}, from("198.51.100.7")...))

	// The current password of a password change.
	user, _ := sys.Register("changer@example.com", "tenant")
	for i := range 3 {
		if r := user.Do("PUT", "/users/me/password", map[string]any{"current_password": "guess-" + itoa(i), "new_password": "brand-new-pass"}, from("192.0.2.1")...); r.Status != http.StatusBadRequest {
			t.Fatalf("wrong current password %d: %d", i+1, r.Status)
		}
	}
	tooMany("the right current password after 3 wrong ones", user.Do("PUT", "/users/me/password", map[string]any{"current_password": "correct-horse", "new_password": "brand-new-pass"}, from("192.0.2.2")...))
}
