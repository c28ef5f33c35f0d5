package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

// registerMobile creates an account that logs in by mobile, with a name.
func registerMobile(t *testing.T, sys *testenv.System, mobile, nickname string, roles ...string) *testenv.Client {
	t.Helper()
	c := sys.Client()
	c.Must(http.StatusCreated, "POST", "/users", map[string]any{"mobile": mobile, "password": "correct-horse", "nickname": nickname, "roles": roles})
	c.Token = c.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": mobile, "password": "correct-horse"})["token"].(string)
	return c
}

func TestDetail_theLandlordsContactIsShownToLoggedInUsersAndAVisitorIsAskedToLogIn(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord := registerMobile(t, sys, "13800138000", "王先生", "landlord")
	id := publish(t, sys, landlord, flat("海淀 知春里 朝南一居", 4500, "haidian", 1))
	path := "/listings/" + id

	visitor := newBrowser(t, sys).must(http.StatusOK, path)
	visitor.contains(t, `href="/login?next=/listings/`+id+`" id="contact-login"`, "登录后查看房东电话")
	if strings.Contains(visitor.Body, "13800138000") || strings.Contains(visitor.Body, "王先生") {
		t.Fatal("a visitor who is not logged in sees the landlord's name or phone")
	}
	if r := sys.Client().Do("GET", "/listings/"+id, nil); strings.Contains(string(r.Body), "landlord_contact") {
		t.Fatalf("the JSON detail gives a visitor the landlord's contact: %s", r.Body)
	}

	b, tenant := tenantAt(t, sys, "contact-tenant@example.com")
	p := b.must(http.StatusOK, path)
	p.contains(t, `<span class="contact-name">王先生</span> <a class="contact-phone" href="tel:13800138000">13800138000</a>`)
	if r := tenant.Do("GET", "/listings/"+id, nil); !strings.Contains(string(r.Body), `"landlord_contact":{"name":"王先生","mobile":"13800138000"}`) {
		t.Fatalf("the JSON detail to a logged-in tenant: %s", r.Body)
	}
}

func TestOrder_eachPartySeesTheOthersContactOnTheOrderPage(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord := registerMobile(t, sys, "13900139000", "李女士", "landlord")
	id := publish(t, sys, landlord, flat("海淀 知春里 两居", 6200, "haidian", 2))
	tenant := registerMobile(t, sys, "13700137000", "小张", "tenant")
	orderID := order(t, tenant, id, 10, 2)

	// The landlord, in the browser: the incoming order links to its page,
	// which names the tenant and their phone.
	lb := newBrowser(t, sys)
	if p := lb.login("13900139000", "correct-horse", "/landlord/orders"); p.Status != http.StatusSeeOther {
		t.Fatalf("landlord login: %d %s", p.Status, excerpt(p.Body))
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		if !strings.Contains(lb.must(http.StatusOK, "/landlord/orders").Body, `href="/me/orders/`+orderID+`" id="order-detail-`+orderID+`"`) {
			return "the incoming order does not link to its page yet"
		}
		return ""
	})
	lp := lb.must(http.StatusOK, "/me/orders/"+orderID)
	lp.contains(t, "租客联系方式", `<span class="contact-name">小张</span> <a class="contact-phone" href="tel:13700137000">13700137000</a>`)

	// The tenant sees the landlord's.
	tb := newBrowser(t, sys)
	if p := tb.login("13700137000", "correct-horse", "/me/orders"); p.Status != http.StatusSeeOther {
		t.Fatalf("tenant login: %d", p.Status)
	}
	tb.must(http.StatusOK, "/me/orders/"+orderID).contains(t, "房东联系方式", `href="tel:13900139000"`, "李女士")

	// Anyone else: the order is not theirs to see.
	other, _ := sys.Register("nosy@example.com", "tenant")
	if r := other.Do("GET", "/orders/"+orderID, nil); r.Status != http.StatusNotFound {
		t.Fatalf("someone else's order: %d %s", r.Status, r.Body)
	}
}

func TestDetail_theTopBarNamesTheListingsCity(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("city-landlord@example.com", "landlord")
	body := flat("徐汇 一居", 5000, "xuhui", 1)
	body["city"] = "shanghai"
	id := publish2(t, sys, landlord, body)
	b := newBrowser(t, sys)
	b.get("/city?city=beijing&next=/") // the visitor chose 北京
	b.must(http.StatusOK, "/listings/"+id).contains(t, `<option value="shanghai" selected>上海</option>`)
	b.must(http.StatusOK, "/").contains(t, `<option value="beijing" selected>北京</option>`)
}

// publish2 creates and publishes a listing in any city and waits until its page answers.
func publish2(t *testing.T, sys *testenv.System, landlord *testenv.Client, body map[string]any) string {
	t.Helper()
	id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	waitSearchable(t, sys, id)
	return id
}
