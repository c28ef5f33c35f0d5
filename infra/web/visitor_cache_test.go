package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

// A visitor's page content is drawn once per answer and kept (answers.go):
// it must still show a change as soon as the near cache has it, at once with
// the version a redirect carries, and never carry another visitor's token.
func TestDetail_aVisitorsKeptPageShowsAChangeAtOnceAndHoldsNoOneElsesToken(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("kept-landlord@example.com", "landlord")
	id := detailListing(t, sys, landlord)
	path := "/listings/" + id
	search := "/listings?city=beijing&district=haidian"

	a, b := newBrowser(t, sys), newBrowser(t, sys)
	a.must(http.StatusOK, path) // draws and keeps the content
	tokenA := a.csrf()          // the login page gives visitor A a token
	second := a.must(http.StatusOK, path)
	second.contains(t, `id="detail-price">￥6,000<`)
	// A visitor's page holds no token (nothing on it posts), so it is the
	// same bytes for every visitor and sets no cookie.
	second.lacks(t, tokenA, `name="csrf-token"`, `name="_csrf"`)
	pb := b.must(http.StatusOK, path)
	if pb.Body != second.Body {
		t.Fatal("two visitors got different bytes for one kept page")
	}
	if u, _ := url.Parse(sys.URL); len(b.http.Jar.Cookies(u)) != 0 {
		t.Fatal("a visitor's kept page set a cookie")
	}
	b.must(http.StatusOK, search).contains(t, "￥6,000")

	// The landlord changes the price: with the version the change returned,
	// a visitor reads it at once; without, as soon as the near cache learns of it.
	r := landlord.Do("PATCH", "/listings/"+id, map[string]any{"price": 6500})
	if r.Status != http.StatusOK {
		t.Fatalf("PATCH: %d %s", r.Status, r.Body)
	}
	v := int64(r.JSON(t)["version"].(float64))
	a.must(http.StatusOK, fmt.Sprintf("%s?v=%d", path, v)).contains(t, `id="detail-price">￥6,500<`)
	testenv.Eventually(t, 10*time.Second, func() string {
		if p := b.must(http.StatusOK, path); !strings.Contains(p.Body, `id="detail-price">￥6,500<`) {
			return "the visitor's listing page still shows the old price"
		}
		if p := b.must(http.StatusOK, search); !strings.Contains(p.Body, "￥6,500") {
			return "the visitor's search page still shows the old price"
		}
		return ""
	})

	// The landlord, logged in, sees their own page drawn for them (the
	// management link), not the visitors' content.
	lb := newBrowser(t, sys)
	if p := lb.login("kept-landlord@example.com", "correct-horse", path); p.Status != http.StatusSeeOther {
		t.Fatalf("landlord login: %d %s", p.Status, excerpt(p.Body))
	}
	lb.must(http.StatusOK, path).contains(t, "这是您发布的房源", `id="detail-price">￥6,500<`)
}
