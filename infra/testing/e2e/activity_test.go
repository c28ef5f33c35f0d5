package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

func TestFavorites_putAndDeleteAreIdempotentAndTheDetailSaysSo(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	a := publishedListing(t, sys, landlord, flat("A", 3000))
	b := publishedListing(t, sys, landlord, flat("B", 4000))

	first := tenant.Must(http.StatusOK, "PUT", "/users/me/favorites/"+a, nil)
	again := tenant.Must(http.StatusOK, "PUT", "/users/me/favorites/"+a, nil)
	if first["favorited"] != true || first["version"] != again["version"] {
		t.Fatalf("a second PUT changes nothing: %v then %v", first, again)
	}
	tenant.Must(http.StatusOK, "PUT", "/users/me/favorites/"+b, nil)
	testenv.Eventually(t, 5*time.Second, func() string {
		r := tenant.Do("GET", "/users/me/favorites", nil)
		page := r.JSON(t)
		items, _ := page["items"].([]any)
		if r.Header.Get("X-Read-Source") != "redis" || page["total"] != float64(2) || len(items) != 2 ||
			items[0].(map[string]any)["id"] != b {
			return fmt.Sprintf("both favorites, newest first (%s): %s", r.Header.Get("X-Read-Source"), r.Body)
		}
		if d := tenant.Must(http.StatusOK, "GET", "/listings/"+a, nil); d["favorited"] != true {
			return fmt.Sprintf("the detail says favorited: %v", d["favorited"])
		}
		return ""
	})
	if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+a, nil); d["favorited"] != nil {
		t.Fatalf("an anonymous detail says nothing of favorites: %v", d)
	}
	if d := landlord.Must(http.StatusOK, "GET", "/listings/"+a, nil); d["favorited"] != false {
		t.Fatalf("favorites are per user: %v", d["favorited"])
	}

	removed := tenant.Must(http.StatusOK, "DELETE", "/users/me/favorites/"+a, nil)
	removedAgain := tenant.Must(http.StatusOK, "DELETE", "/users/me/favorites/"+a, nil)
	if removed["favorited"] != false || removed["version"] != removedAgain["version"] {
		t.Fatalf("a second DELETE changes nothing: %v then %v", removed, removedAgain)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		if page := tenant.Must(http.StatusOK, "GET", "/users/me/favorites", nil); page["total"] != float64(1) {
			return fmt.Sprintf("one favorite left: %v", page)
		}
		if d := tenant.Must(http.StatusOK, "GET", "/listings/"+a, nil); d["favorited"] != false {
			return fmt.Sprintf("the detail no longer says favorited: %v", d["favorited"])
		}
		return ""
	})
	if r := tenant.Do("PUT", "/users/me/favorites/01a20a2c-ae6e-7ea7-9a3f-e1661885ea25", nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown listing cannot be favorited: %d", r.Status)
	}
	if r := tenant.Do("PUT", "/users/me/favorites/x", nil); r.Status != http.StatusBadRequest {
		t.Fatalf("a bad id is a 400: %d", r.Status)
	}
	if r := sys.Client().Do("GET", "/users/me/favorites", nil); r.Status != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", r.Status)
	}
}

func TestViews_countedOffThePathAndKeptInTheLast20History(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: 2})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	other, _ := sys.Register("other@example.com", "tenant")
	var ids []string
	for i := range 22 {
		ids = append(ids, publishedListing(t, sys, landlord, flat(fmt.Sprintf("V%02d", i), 3000+i)))
	}
	// The tenant views every listing once, in order, then the first one again;
	// another user views the first twice; a viewer counts once a day, and
	// anonymous views and the landlord's own views are not counted.
	for _, id := range ids {
		tenant.Must(http.StatusOK, "GET", "/listings/"+id, nil)
		time.Sleep(2 * time.Millisecond) // distinct view times
	}
	tenant.Must(http.StatusOK, "GET", "/listings/"+ids[0], nil)
	other.Must(http.StatusOK, "GET", "/listings/"+ids[0], nil)
	other.Must(http.StatusOK, "GET", "/listings/"+ids[0], nil)
	sys.Client().Must(http.StatusOK, "GET", "/listings/"+ids[0], nil)
	landlord.Must(http.StatusOK, "GET", "/listings/"+ids[0], nil)

	testenv.Eventually(t, 10*time.Second, func() string {
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+ids[0], nil); d["views"] != float64(2) {
			return fmt.Sprintf("listing 0 has 2 views (two viewers), got %v", d["views"])
		}
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+ids[5], nil); d["views"] != float64(1) {
			return fmt.Sprintf("listing 5 has 1 view, got %v", d["views"])
		}
		r := tenant.Do("GET", "/users/me/history", nil)
		items := r.JSON(t)["items"].([]any)
		if r.Header.Get("X-Read-Source") != "redis" || len(items) != 20 {
			return fmt.Sprintf("the history keeps 20 (%s): %d", r.Header.Get("X-Read-Source"), len(items))
		}
		want := append([]string{ids[0]}, reversed(ids[3:])...) // the first again, then the newest 19
		for i, it := range items {
			if got := it.(map[string]any)["listing"].(map[string]any)["id"]; got != want[i] {
				return fmt.Sprintf("history[%d] is %v, want %s", i, got, want[i])
			}
		}
		return ""
	})
	cleared := tenant.Must(http.StatusOK, "DELETE", "/users/me/history", nil)
	if cleared["version"] == float64(0) {
		t.Fatalf("clearing bumps the history's version: %v", cleared)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		if items := tenant.Must(http.StatusOK, "GET", "/users/me/history", nil)["items"].([]any); len(items) != 0 {
			return fmt.Sprintf("cleared, still %d", len(items))
		}
		return ""
	})
	if items := other.Must(http.StatusOK, "GET", "/users/me/history", nil)["items"].([]any); len(items) != 1 {
		t.Fatalf("histories are per user: %v", items)
	}
	// The counts in MySQL agree (the read model only projects them).
	base := sys.Open()
	defer base.Close()
	var total int
	if err := base.Pools.Writer.QueryRow(`SELECT SUM(views) FROM listing_views`).Scan(&total); err != nil || total != 23 {
		t.Fatalf("23 viewers counted (22 by the tenant, 1 more of listing 0), MySQL has %d (%v)", total, err)
	}
}

func reversed(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

func TestRecommendations_followTheDistrictsAUserLooksAt(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	var haidian, chaoyang []string
	for i := range 6 {
		h := flat(fmt.Sprintf("H%d", i), 3000+100*i)
		haidian = append(haidian, publishedListing(t, sys, landlord, h))
		c := flat(fmt.Sprintf("C%d", i), 3000+100*i)
		c["district"] = "chaoyang"
		chaoyang = append(chaoyang, publishedListing(t, sys, landlord, c))
	}
	cold := tenant.Must(http.StatusOK, "GET", "/users/me/recommendations", nil)
	if len(cold["items"].([]any)) == 0 {
		t.Fatalf("without a history, the hottest listings: %v", cold)
	}
	tenant.Must(http.StatusOK, "GET", "/listings/"+haidian[0], nil)
	tenant.Must(http.StatusOK, "PUT", "/users/me/favorites/"+haidian[1], nil)
	testenv.Eventually(t, 10*time.Second, func() string {
		r := tenant.Do("GET", "/users/me/recommendations", nil)
		items := r.JSON(t)["items"].([]any)
		if len(items) != 4 {
			return fmt.Sprintf("the other 4 Haidian listings: %s", r.Body)
		}
		for _, it := range items {
			l := it.(map[string]any)
			if l["district"] != "haidian" || l["id"] == haidian[0] || l["id"] == haidian[1] {
				return fmt.Sprintf("recommended %v in %v", l["id"], l["district"])
			}
		}
		return ""
	})
}
