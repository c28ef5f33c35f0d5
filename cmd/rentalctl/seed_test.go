package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/testing/testenv"
)

// seed gives a fresh site something to show: listings with photos, and a
// past of views, bookings and reviews that the read models learn of as they
// learn of real use. A second run adds nothing.
func TestRentalctl_seedGivesTheDemoListingsAPastOnce(t *testing.T) {
	sys := startSystem(t)
	code, out := rentalctl(t, "seed", "--listings", "24", "--landlords", "3")
	if code != 0 || !strings.Contains(out, "24 listings (24 new)") {
		t.Fatalf("seed: %d\n%s", code, out)
	}
	var views, orders, reviews int
	if _, err := fmt.Sscanf(out[strings.Index(out, "new), ")+len("new), "):], "%d views, %d favorites, %d orders, %d reviews", &views, new(int), &orders, &reviews); err != nil ||
		views == 0 || orders == 0 || reviews == 0 {
		t.Fatalf("seed wrote no activity (%v): %s", err, out)
	}

	// The demo tenant has an order in each state it can wait in, and a stay to review.
	tenant := sys.Client()
	tenant.Token = tenant.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "tenant@example.com", "password": demoPassword})["token"].(string)
	testenv.Eventually(t, 15*time.Second, func() string {
		page := tenant.Must(http.StatusOK, "GET", "/users/me/orders", nil)
		states := map[string]bool{}
		for _, o := range page["items"].([]any) {
			states[o.(map[string]any)["status"].(string)] = true
		}
		for _, s := range []string{events.OrderStatusWaitAccept, events.OrderStatusWaitPayment, events.OrderStatusPaid} {
			if !states[s] {
				return fmt.Sprintf("the demo tenant's orders lack one that is %s: %v", s, states)
			}
		}
		return ""
	})

	landlord := sys.Client()
	landlord.Token = landlord.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": demoLandlord(1), "password": demoPassword})["token"].(string)
	testenv.Eventually(t, 15*time.Second, func() string {
		if !strings.Contains(string(landlord.Do("GET", "/users/me/orders?role=landlord&status=wait_accept", nil).Body), `"wait_accept"`) {
			return "the first demo landlord has no order to accept"
		}
		return ""
	})

	// The home page (one for every city: GET /home takes no city) shows
	// listings that were booked and reviewed.
	testenv.Eventually(t, 15*time.Second, func() string {
		var booked, reviewed bool
		for _, section := range tenant.Must(http.StatusOK, "GET", "/home", nil) {
			items, _ := section.([]any)
			for _, it := range items {
				l := it.(map[string]any)
				booked = booked || l["bookings"].(float64) > 0
				reviewed = reviewed || l["reviews"].(float64) > 0
			}
		}
		if !booked || !reviewed {
			return fmt.Sprintf("the home page shows no booked (%v) or reviewed (%v) listing", booked, reviewed)
		}
		return ""
	})
	if code, out := rentalctl(t, "check"); code != 0 {
		t.Fatalf("the read models match MySQL after seeding: %d\n%s", code, out)
	}

	if code, out := rentalctl(t, "seed", "--listings", "24", "--landlords", "3"); code != 0 || !strings.Contains(out, "24 listings (0 new), 0 views, 0 favorites, 0 orders, 0 reviews") {
		t.Fatalf("a second seed adds nothing: %d\n%s", code, out)
	}
}
