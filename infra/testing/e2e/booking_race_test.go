package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

func TestBooking_200ConcurrentOverlappingRequestsBookOnce(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	listing := publishedListing(t, sys, landlord, flat("Wanted", 5000))
	var tenants []*testenv.Client
	for i := range 10 {
		c, _ := sys.Register(fmt.Sprintf("t%d@example.com", i), "tenant")
		tenants = append(tenants, c)
	}
	// Every stay covers the 60th day from now; they start and end on different days.
	var bodies []map[string]any
	for i := range 200 {
		start := in(20 + i%30)
		bodies = append(bodies, order(listing, start, monthsFrom(start, 2+i%3)))
	}
	got := testenv.PostAll(tenants, "/orders", bodies)
	if got[http.StatusCreated] != 1 || got[http.StatusConflict] != 199 {
		t.Fatalf("want exactly one 201 and 199 × 409, got %v", got)
	}
	base := sys.Open()
	defer base.Close()
	var orders, version int
	if err := base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM orders`).Scan(&orders); err != nil || orders != 1 {
		t.Fatalf("one order in MySQL, found %d (%v)", orders, err)
	}
	// The winner bumped the listing once (created 1, published 2, booked 3).
	if err := base.Pools.Writer.QueryRow(`SELECT version FROM listings`).Scan(&version); err != nil || version != 3 {
		t.Fatalf("the listing's version is 3, got %d (%v)", version, err)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		r := sys.Client().Do("GET", "/listings/"+listing+"/availability", nil)
		if booked := r.JSON(t)["booked"].([]any); len(booked) != 1 {
			return fmt.Sprintf("one stay holds dates: %s", r.Body)
		}
		return ""
	})
}

func TestBooking_concurrentNonOverlappingRequestsAllSucceed(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	var listings []string
	for i := range 20 {
		listings = append(listings, publishedListing(t, sys, landlord, flat(fmt.Sprintf("L%d", i), 3000+i)))
	}
	var tenants []*testenv.Client
	for i := range 10 {
		c, _ := sys.Register(fmt.Sprintf("t%d@example.com", i), "tenant")
		tenants = append(tenants, c)
	}
	// 20 listings × 10 back-to-back months (end is exclusive: one stay ends
	// the day the next begins): 200 requests, none overlapping.
	first := in(7)
	var bodies []map[string]any
	for _, l := range listings {
		for m := range 10 {
			bodies = append(bodies, order(l, monthsFrom(first, m), monthsFrom(first, m+1)))
		}
	}
	got := testenv.PostAll(tenants, "/orders", bodies)
	if got[http.StatusCreated] != 200 {
		t.Fatalf("every non-overlapping request succeeds: %v", got)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		for _, l := range listings {
			r := sys.Client().Do("GET", "/listings/"+l+"/availability", nil)
			if booked := r.JSON(t)["booked"].([]any); len(booked) != 10 || r.Header.Get("X-Read-Source") != "redis" {
				return fmt.Sprintf("listing %s: %s %s", l, r.Header.Get("X-Read-Source"), r.Body)
			}
		}
		return ""
	})
	// And now every further overlapping request is refused.
	got = testenv.PostAll(tenants, "/orders", []map[string]any{order(listings[0], in(8), monthsFrom(in(8), 1)), order(listings[19], monthsFrom(first, 9), monthsFrom(first, 10))})
	if got[http.StatusConflict] != 2 {
		t.Fatalf("booked dates are taken: %v", got)
	}
}
