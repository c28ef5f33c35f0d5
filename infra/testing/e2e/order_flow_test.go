package e2e

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// in returns the date n days from today in China, as the API takes it.
func in(days int) string {
	return events.Today(time.Now()).AddDate(0, 0, days).Format(events.DateLayout)
}

// monthsFrom returns the date n whole months after an ISO date.
func monthsFrom(start string, n int) string {
	d, _ := command.ParseDate(start)
	return command.AddMonths(d, n).Format(events.DateLayout)
}

// publishedListing creates and publishes a listing and waits until the read
// model serves it; it returns its id.
func publishedListing(t *testing.T, sys *testenv.System, landlord *testenv.Client, body map[string]any) string {
	t.Helper()
	id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
	res := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	waitVersion(t, sys.Client(), id, res["version"].(float64))
	return id
}

func order(listing, start, end string) map[string]any {
	return map[string]any{"listing_id": listing, "start_date": start, "end_date": end}
}

// waitOrder waits until the order is served from the read model at version v.
func waitOrder(t *testing.T, c *testenv.Client, id string, v float64) map[string]any {
	t.Helper()
	return waitServed(t, c, "/orders/"+id, v)
}

func TestOrderFlow_placeAcceptPayEndReviewComplete(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, landlordID := sys.Register("owner@example.com", "landlord")
	tenant, tenantID := sys.Register("tenant@example.com", "tenant")
	body := flat("整租 两居", 3000)
	body["min_months"] = 2
	listing := publishedListing(t, sys, landlord, body)

	start := in(10)
	end := monthsFrom(start, 2)
	extra := command.AddMonths(must(command.ParseDate(end)), 0).AddDate(0, 0, 10).Format(events.DateLayout)
	placed := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, extra))
	id := placed["id"].(string)
	if placed["status"] != "wait_accept" || placed["version"] != float64(1) {
		t.Fatalf("a new order waits for acceptance at version 1: %v", placed)
	}
	doc := waitOrder(t, tenant, id, 1)
	// Two months at 3000 and ten days at 100 a day, computed by the server.
	if doc["amount"] != float64(7000) || doc["months"] != float64(2) || doc["days"] != float64(10) ||
		doc["tenant_id"] != tenantID || doc["landlord_id"] != landlordID || doc["start_date"] != start || doc["end_date"] != extra {
		t.Fatalf("the order holds the stay, its parties and its amount: %v", doc)
	}
	// The landlord sees it among the requests for their listings.
	testenv.Eventually(t, 5*time.Second, func() string {
		page := landlord.Must(http.StatusOK, "GET", "/users/me/orders?role=landlord&status=wait_accept", nil)
		if page["total"] != float64(1) {
			return fmt.Sprintf("landlord's waiting orders: %v", page)
		}
		return ""
	})

	if r := tenant.Do("POST", "/orders/"+id+"/pay", nil); r.Status != http.StatusConflict {
		t.Fatalf("paying before acceptance is a conflict: %d %s", r.Status, r.Body)
	}
	accepted := landlord.Must(http.StatusOK, "POST", "/orders/"+id+"/accept", nil)
	if r := landlord.Do("POST", "/orders/"+id+"/accept", nil); r.Status != http.StatusConflict {
		t.Fatalf("accepting twice is a conflict: %d", r.Status)
	}
	if r := landlord.Do("POST", "/orders/"+id+"/reject", map[string]any{"reason": "too late"}); r.Status != http.StatusConflict {
		t.Fatalf("rejecting an accepted order is a conflict: %d", r.Status)
	}
	paid := tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/pay", nil)
	if paid["version"] != accepted["version"].(float64)+1 {
		t.Fatalf("every move bumps the version: %v then %v", accepted, paid)
	}
	if r := tenant.Do("POST", "/orders/"+id+"/cancel", nil); r.Status != http.StatusConflict {
		t.Fatalf("a paid order cannot be canceled: %d", r.Status)
	}
	if r := tenant.Do("POST", "/orders/"+id+"/review", map[string]any{"rating": 5}); r.Status != http.StatusConflict {
		t.Fatalf("a stay that has not begun cannot be reviewed: %d %s", r.Status, r.Body)
	}
	doc = tenant.Must(http.StatusOK, "GET", fmt.Sprintf("/orders/%s?min_version=%v", id, paid["version"]), nil)
	if doc["status"] != "paid" {
		t.Fatalf("read-your-writes after paying: %v", doc)
	}
	// The booking held: it counts on the listing.
	testenv.Eventually(t, 5*time.Second, func() string {
		if l := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing, nil); l["bookings"] != float64(1) {
			return fmt.Sprintf("bookings %v", l["bookings"])
		}
		return ""
	})

	// Time passes: the stay is over. The periodic job moves it to wait_comment.
	base := sys.Open()
	defer base.Close()
	if _, err := base.Pools.Writer.Exec(`UPDATE orders SET start_date = ?, end_date = ? WHERE id = UNHEX(REPLACE(?, '-', ''))`,
		in(-70), in(0), id); err != nil {
		t.Fatal(err)
	}
	n, err := system.NewStayJob(base, nil).RunOnce(context.Background())
	if err != nil || n != 1 {
		t.Fatalf("the job ends one stay: %d %v", n, err)
	}
	if n, _ := system.NewStayJob(base, nil).RunOnce(context.Background()); n != 0 {
		t.Fatalf("a second run has nothing to do, ended %d", n)
	}
	doc = waitOrder(t, tenant, id, paid["version"].(float64)+1)
	if doc["status"] != "wait_comment" {
		t.Fatalf("the job moved the order to wait_comment: %v", doc)
	}
	if r := landlord.Do("POST", "/orders/"+id+"/review", map[string]any{"rating": 1}); r.Status != http.StatusForbidden {
		t.Fatalf("only the tenant reviews: %d", r.Status)
	}
	reviewed := tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/review", map[string]any{"rating": 4, "content": "安静，采光好"})
	if r := tenant.Do("POST", "/orders/"+id+"/review", map[string]any{"rating": 5}); r.Status != http.StatusConflict {
		t.Fatalf("a stay is reviewed once: %d", r.Status)
	}
	doc = waitOrder(t, tenant, id, reviewed["version"].(float64))
	if doc["status"] != "complete" || doc["review"].(map[string]any)["rating"] != float64(4) {
		t.Fatalf("the review completes the order: %v", doc)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		l := sys.Client().Must(http.StatusOK, "GET", "/listings/"+listing, nil)
		if l["rating"] != float64(4) || l["reviews"] != float64(1) {
			return fmt.Sprintf("the listing's average rating: %v (%v reviews)", l["rating"], l["reviews"])
		}
		r := sys.Client().Do("GET", "/listings/"+listing+"/reviews", nil)
		page := r.JSON(t)
		items, _ := page["items"].([]any)
		if r.Header.Get("X-Read-Source") != "redis" || page["total"] != float64(1) || len(items) != 1 ||
			items[0].(map[string]any)["content"] != "安静，采光好" {
			return fmt.Sprintf("the listing's reviews (%s): %s", r.Header.Get("X-Read-Source"), r.Body)
		}
		return ""
	})
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("must")
	}
	return v
}

func TestOrderFlow_rejectedAndCanceledOrdersFreeTheirDates(t *testing.T) {
	// Two worker replicas: an order's events may be projected by either, in any order.
	sys := testenv.StartSystem(t, testenv.Options{Workers: 2})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	other, _ := sys.Register("other@example.com", "tenant")
	listing := publishedListing(t, sys, landlord, flat("Free again", 3000))
	start, end := in(5), monthsFrom(in(5), 1)

	first := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, end))["id"].(string)
	if r := other.Do("POST", "/orders", order(listing, in(20), monthsFrom(in(20), 1))); r.Status != http.StatusConflict {
		t.Fatalf("an overlapping order is refused while the first waits: %d %s", r.Status, r.Body)
	}
	if r := landlord.Do("POST", "/orders/"+first+"/reject", map[string]any{}); r.Status != http.StatusBadRequest ||
		r.JSON(t)["error"].(map[string]any)["fields"].(map[string]any)["reason"] == nil {
		t.Fatalf("a rejection needs a reason: %d %s", r.Status, r.Body)
	}
	rejected := landlord.Must(http.StatusOK, "POST", "/orders/"+first+"/reject", map[string]any{"reason": "装修中"})
	doc := waitOrder(t, tenant, first, rejected["version"].(float64))
	if doc["status"] != "rejected" || doc["reject_reason"] != "装修中" {
		t.Fatalf("the tenant sees the rejection and its reason: %v", doc)
	}
	second := other.Must(http.StatusCreated, "POST", "/orders", order(listing, in(20), monthsFrom(in(20), 1)))["id"].(string)
	testenv.Eventually(t, 5*time.Second, func() string {
		r := sys.Client().Do("GET", fmt.Sprintf("/listings/%s/availability?from=%s&to=%s", listing, in(0), in(90)), nil)
		booked := r.JSON(t)["booked"].([]any)
		if r.Header.Get("X-Read-Source") != "redis" || len(booked) != 1 || booked[0].(map[string]any)["start_date"] != in(20) {
			return fmt.Sprintf("only the second stay holds dates (%s): %s", r.Header.Get("X-Read-Source"), r.Body)
		}
		return ""
	})
	if r := landlord.Do("POST", "/orders/"+second+"/cancel", nil); r.Status != http.StatusForbidden {
		t.Fatalf("only the tenant cancels: %d", r.Status)
	}
	landlord.Must(http.StatusOK, "POST", "/orders/"+second+"/accept", nil)
	other.Must(http.StatusOK, "POST", "/orders/"+second+"/cancel", nil) // before paying
	tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, start, monthsFrom(in(20), 1)))
	testenv.Eventually(t, 5*time.Second, func() string {
		page := other.Must(http.StatusOK, "GET", "/users/me/orders?status=canceled", nil)
		if page["total"] != float64(1) {
			return fmt.Sprintf("the tenant's canceled orders: %v", page)
		}
		if page := tenant.Must(http.StatusOK, "GET", "/users/me/orders", nil); page["total"] != float64(2) {
			return fmt.Sprintf("the tenant's orders: %v", page)
		}
		return ""
	})
}

func TestOrders_strangersCannotReadOrActOnThem(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	stranger, _ := sys.Register("stranger@example.com", "tenant", "landlord")
	listing := publishedListing(t, sys, landlord, flat("Private", 3000))
	id := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, in(3), monthsFrom(in(3), 1)))["id"].(string)
	waitOrder(t, tenant, id, 1)
	landlord.Must(http.StatusOK, "GET", "/orders/"+id, nil)

	for _, call := range []struct{ method, path string }{
		{"GET", "/orders/" + id}, {"POST", "/orders/" + id + "/accept"}, {"POST", "/orders/" + id + "/pay"},
		{"POST", "/orders/" + id + "/cancel"},
	} {
		if r := stranger.Do(call.method, call.path, nil); r.Status != http.StatusNotFound {
			t.Errorf("a stranger: %s %s answered %d: %s", call.method, call.path, r.Status, r.Body)
		}
	}
	if r := stranger.Do("POST", "/orders/"+id+"/reject", map[string]any{"reason": "x"}); r.Status != http.StatusNotFound {
		t.Errorf("a stranger cannot reject: %d", r.Status)
	}
	if r := stranger.Do("POST", "/orders/"+id+"/review", map[string]any{"rating": 3}); r.Status != http.StatusNotFound {
		t.Errorf("a stranger cannot review: %d", r.Status)
	}
	if r := sys.Client().Do("GET", "/orders/"+id, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}
	if r := tenant.Do("POST", "/orders/"+id+"/accept", nil); r.Status != http.StatusForbidden {
		t.Errorf("the tenant cannot accept their own order: %d", r.Status)
	}
	if r := landlord.Do("POST", "/orders/"+id+"/pay", nil); r.Status != http.StatusForbidden {
		t.Errorf("the landlord cannot pay: %d", r.Status)
	}
	if page := stranger.Must(http.StatusOK, "GET", "/users/me/orders", nil); page["total"] != float64(0) {
		t.Errorf("a stranger's orders list no one else's: %v", page)
	}
	if r := landlord.Do("POST", "/orders", order(listing, in(40), monthsFrom(in(40), 1))); r.Status != http.StatusForbidden {
		t.Errorf("a landlord without the tenant role cannot book: %d %s", r.Status, r.Body)
	}
	ownID := publishedListing(t, sys, stranger, flat("Mine", 2000))
	if r := stranger.Do("POST", "/orders", order(ownID, in(3), monthsFrom(in(3), 1))); r.Status != http.StatusForbidden {
		t.Errorf("no one books their own listing: %d %s", r.Status, r.Body)
	}
}

func TestOrders_badInputIsA400NamingTheField(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	body := flat("Three months at least", 3000)
	body["min_months"] = 3
	listing := publishedListing(t, sys, landlord, body)
	draft := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Draft", 3000))["id"].(string)
	id := tenant.Must(http.StatusCreated, "POST", "/orders", order(listing, in(1), monthsFrom(in(1), 3)))["id"].(string)
	cases := []struct {
		name, method, path string
		body               any
		field              string
	}{
		{"reversed dates", "POST", "/orders", order(listing, in(30), in(10)), "end_date"},
		{"same day", "POST", "/orders", order(listing, in(30), in(30)), "end_date"},
		{"past start", "POST", "/orders", order(listing, in(-1), in(100)), "start_date"},
		{"not a date", "POST", "/orders", order(listing, "next monday", in(100)), "start_date"},
		{"unknown listing", "POST", "/orders", order("01a20a2c-ae6e-7ea7-9a3f-e1661885ea25", in(1), in(100)), "listing_id"},
		{"a draft", "POST", "/orders", order(draft, in(1), in(100)), "listing_id"},
		{"not a uuid", "POST", "/orders", order("nope", in(1), in(100)), "listing_id"},
		{"shorter than min_months", "POST", "/orders", order(listing, in(200), monthsFrom(in(200), 2)), "end_date"},
		{"too long", "POST", "/orders", order(listing, in(200), monthsFrom(in(200), 37)), "end_date"},
		{"unknown field", "POST", "/orders", map[string]any{"listing_id": listing, "nights": 3}, "nights"},
		{"rating 0", "POST", "/orders/" + id + "/review", map[string]any{"rating": 0}, "rating"},
		{"rating 6", "POST", "/orders/" + id + "/review", map[string]any{"rating": 6}, "rating"},
		{"rating text", "POST", "/orders/" + id + "/review", `{"rating":"good"}`, "rating"},
		{"order id", "GET", "/orders/123", nil, "id"},
		{"role", "GET", "/users/me/orders?role=owner", nil, "role"},
		{"status", "GET", "/users/me/orders?status=done", nil, "status"},
		{"availability dates", "GET", "/listings/" + listing + "/availability?from=2026-13-01", nil, "from"},
		{"availability range", "GET", "/listings/" + listing + "/availability?from=" + in(10) + "&to=" + in(5), nil, "to"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tenant.Do(tc.method, tc.path, tc.body)
			if r.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
			}
			e := r.JSON(t)["error"].(map[string]any)
			if _, ok := e["fields"].(map[string]any)[tc.field]; !ok || e["code"] != "invalid" {
				t.Fatalf("the error must name %q: %s", tc.field, r.Body)
			}
		})
	}
}
