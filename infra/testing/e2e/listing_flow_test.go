package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

// flat is a complete listing body a landlord can publish.
func flat(title string, price int) map[string]any {
	return map[string]any{
		"title": title, "price": price, "city": "beijing", "district": "haidian", "rent_type": "whole",
		"area_sqm": 60.5, "bedrooms": 2, "facilities": []string{"wifi", "fridge"},
	}
}

// waitVersion waits until the listing detail is served from the read model at version v.
func waitVersion(t *testing.T, c *testenv.Client, id string, v float64) map[string]any {
	t.Helper()
	return waitServed(t, c, "/listings/"+id, v)
}

// waitServed waits until the document at path is served from the read model at version v.
func waitServed(t *testing.T, c *testenv.Client, path string, v float64) map[string]any {
	t.Helper()
	var doc map[string]any
	testenv.Eventually(t, 10*time.Second, func() string {
		r := c.Do("GET", path, nil)
		if r.Status != http.StatusOK {
			return fmt.Sprintf("status %d: %s", r.Status, r.Body)
		}
		doc = r.JSON(t)
		if src := r.Header.Get("X-Read-Source"); src != "redis" || doc["version"] != v {
			return fmt.Sprintf("source %s version %v, want redis and %v", src, doc["version"], v)
		}
		return ""
	})
	return doc
}

func searchIDs(t *testing.T, c *testenv.Client, query string) ([]string, float64, string) {
	t.Helper()
	r := c.Do("GET", "/listings?"+query, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("search %s: %d %s", query, r.Status, r.Body)
	}
	page := r.JSON(t)
	var ids []string
	for _, it := range page["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	return ids, page["total"].(float64), r.Header.Get("X-Read-Source")
}

func TestListingFlow_publishedListingIsVisibleInDetailAndSearch(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, landlordID := sys.Register("landlord@example.com", "landlord")

	created := landlord.Must(http.StatusCreated, "POST", "/listings", flat("海淀 两居", 6500))
	id := created["id"].(string)
	if created["version"] != float64(1) {
		t.Fatalf("a new listing is at version 1, got %v", created["version"])
	}
	// A draft is the landlord's alone.
	anonymous := sys.Client()
	if r := anonymous.Do("GET", "/listings/"+id, nil); r.Status != http.StatusNotFound {
		t.Fatalf("a draft must be hidden from others, got %d", r.Status)
	}
	published := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	if published["version"] != float64(2) {
		t.Fatalf("publishing bumps the version to 2, got %v", published["version"])
	}

	doc := waitVersion(t, anonymous, id, 2)
	if doc["status"] != "published" || doc["title"] != "海淀 两居" || doc["landlord_id"] != landlordID || doc["district_name"] != "海淀区" {
		t.Fatalf("read model does not hold the published listing: %v", doc)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		ids, total, source := searchIDs(t, anonymous, "city=beijing&district=haidian&price_min=6000&price_max=7000&bedrooms=2&rent_type=whole")
		if source != "redis" || total != 1 || len(ids) != 1 || ids[0] != id {
			return fmt.Sprintf("search from %s found %v (total %v)", source, ids, total)
		}
		return ""
	})
	ids, total, _ := searchIDs(t, anonymous, "city=shanghai")
	if total != 0 || len(ids) != 0 {
		t.Fatalf("a Beijing listing must not match Shanghai: %v", ids)
	}
	mine := landlord.Must(http.StatusOK, "GET", "/users/me/listings", nil)
	if mine["total"] != float64(1) {
		t.Fatalf("the landlord sees their own listing: %v", mine)
	}
	// One status at a time: the published listing, no draft; an unknown status is named.
	draft := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": "草稿"})["id"].(string)
	for status, want := range map[string]string{"published": id, "draft": draft} {
		page := landlord.Must(http.StatusOK, "GET", "/users/me/listings?status="+status, nil)
		items := page["items"].([]any)
		if page["total"] != float64(1) || len(items) != 1 || items[0].(map[string]any)["id"] != want {
			t.Fatalf("status=%s lists %v", status, page)
		}
	}
	if page := landlord.Must(http.StatusOK, "GET", "/users/me/listings?status=unpublished", nil); page["total"] != float64(0) {
		t.Fatalf("no listing is unpublished: %v", page)
	}
	if r := landlord.Do("GET", "/users/me/listings?status=gone", nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"status"`) {
		t.Fatalf("an unknown status: %d %s", r.Status, r.Body)
	}
}

func TestListingFlow_editsPropagateToTheReadModel(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("editor@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Before", 5000))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)

	res := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"title": "After", "price": 5200})
	doc := waitVersion(t, sys.Client(), id, res["version"].(float64))
	if doc["title"] != "After" || doc["price"] != float64(5200) {
		t.Fatalf("edit did not reach the read model: %v", doc)
	}
	img := landlord.Must(http.StatusCreated, "POST", "/listings/"+id+"/images", map[string]any{"url": "https://img.example.com/a.jpg"})
	doc = waitVersion(t, sys.Client(), id, img["version"].(float64))
	if doc["cover_image"] != "https://img.example.com/a.jpg" || len(doc["images"].([]any)) != 1 {
		t.Fatalf("the first image becomes the cover: %v", doc)
	}
	removed := landlord.Must(http.StatusOK, "DELETE", "/listings/"+id+"/images/"+img["id"].(string), nil)
	doc = waitVersion(t, sys.Client(), id, removed["version"].(float64))
	if doc["cover_image"] != "" || len(doc["images"].([]any)) != 0 {
		t.Fatalf("removing the cover image clears the cover: %v", doc)
	}

	unpublished := landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/unpublish", nil)
	testenv.Eventually(t, 5*time.Second, func() string {
		if ids, _, _ := searchIDs(t, sys.Client(), "city=beijing"); len(ids) != 0 {
			return fmt.Sprintf("an unpublished listing is still found: %v", ids)
		}
		return ""
	})
	if r := sys.Client().Do("GET", "/listings/"+id, nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unpublished listing is hidden from tenants, got %d", r.Status)
	}
	landlord.Must(http.StatusOK, "GET", fmt.Sprintf("/listings/%s?min_version=%v", id, unpublished["version"]), nil)

	landlord.Must(http.StatusOK, "DELETE", "/listings/"+id, nil)
	testenv.Eventually(t, 5*time.Second, func() string {
		if r := landlord.Do("GET", "/listings/"+id, nil); r.Status != http.StatusNotFound {
			return fmt.Sprintf("a deleted listing answers %d", r.Status)
		}
		if page := landlord.Must(http.StatusOK, "GET", "/users/me/listings", nil); page["total"] != float64(0) {
			return fmt.Sprintf("a deleted listing is still listed: %v", page)
		}
		return ""
	})
	if r := landlord.Do("PATCH", "/listings/"+id, map[string]any{"title": "x"}); r.Status != http.StatusNotFound {
		t.Fatalf("editing a deleted listing is 404, got %d", r.Status)
	}
}

func TestListingDetail_minVersionReadsTheWriterWhenTheReadModelLags(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("lag@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", flat("Lagging", 4000))["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	waitVersion(t, sys.Client(), id, 2)

	for id := range sys.Workers() {
		sys.StopWorker(id) // nothing projects from now on
	}
	res := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"price": 4100})
	stale := sys.Client().Do("GET", "/listings/"+id, nil)
	if stale.JSON(t)["version"] != float64(2) {
		t.Fatalf("without a worker the read model stays at 2: %s", stale.Body)
	}
	assertWriter := func(r testenv.Response, want float64) {
		t.Helper()
		doc := r.JSON(t)
		if r.Status != http.StatusOK || doc["version"] != want || r.Header.Get("X-Read-Source") != "mysql-writer" {
			t.Fatalf("min_version must read the writer: %d %s %s", r.Status, r.Header.Get("X-Read-Source"), r.Body)
		}
	}
	assertWriter(sys.Client().Do("GET", "/listings/"+id+"?min_version=3", nil), res["version"].(float64))
	// The MySQL answer repaired the read model (through the version compare-and-set).
	waitVersion(t, sys.Client(), id, res["version"].(float64))

	res = landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"price": 4200})
	assertWriter(sys.Client().Do("GET", "/listings/"+id, nil, "X-Min-Version", "4"), res["version"].(float64))
}

func TestSearch_redisAnswersLikeMySQL(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("many@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	districts := []string{"haidian", "chaoyang", "dongcheng"}
	blocks := []string{"中关村", "望京", "五道口"}
	facilities := [][]string{{"wifi", "fridge"}, {"wifi", "ac", "washer"}, {"ac"}, {}}
	var ids []string
	for i := range 30 {
		body := flat(fmt.Sprintf("L%02d %s 精装", i, blocks[i%3]), 3000+(i%7)*500)
		body["district"] = districts[i%3]
		body["bedrooms"] = 1 + i%3
		body["block"] = blocks[(i/3)%3]
		body["community"] = []string{"阳光花园", "Sunny Garden", "翠湖"}[i%3]
		body["traffic"] = []string{"近地铁10号线", "", "步行到 Line 13"}[i%3]
		body["facilities"] = facilities[i%4]
		if i%4 == 0 {
			body["rent_type"] = "shared"
		}
		id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		ids = append(ids, id)
	}
	// Orders hold dates of some listings (and count as their bookings); views
	// rank others.
	for i := 0; i < 30; i += 4 {
		start := in(10 + i)
		tenant.Must(http.StatusCreated, "POST", "/orders", order(ids[i], start, monthsFrom(start, 1+i%3)))
	}
	tenant.Must(http.StatusCreated, "POST", "/orders", order(ids[8], in(200), monthsFrom(in(200), 1)))
	for i := 0; i < 30; i += 3 {
		for range 1 + i%5 {
			tenant.Must(http.StatusOK, "GET", "/listings/"+ids[i], nil)
		}
	}
	mysqlOnly := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.MySQLDSN, c.Prefix, c.ReadModels = sys.Config.MySQLDSN, sys.Config.Prefix, false
	}})
	dates := fmt.Sprintf("start_date=%s&end_date=%s", in(20), in(45))
	queries := []string{
		"sort=new", "sort=price_asc", "sort=price_desc", "city=beijing&sort=price_asc&page=2&page_size=7",
		"city=beijing&district=chaoyang", "city=beijing&price_min=3500&price_max=5000&sort=new",
		"city=beijing&price_min=3500&sort=price_desc&bedrooms=2", "rent_type=shared&sort=price_asc",
		"bedrooms=3&rent_type=whole&page=2&page_size=3", "price_max=3000",
		// dates, keywords, facilities, bookings and views
		dates, dates + "&sort=price_asc", dates + "&price_min=3500&price_max=5500&sort=price_desc",
		dates + "&city=beijing&district=haidian&sort=bookings", "start_date=" + in(0) + "&end_date=" + in(400),
		"keyword=中关村", "keyword=sunny", "keyword=SUNNY&sort=price_asc", "keyword=海淀", "keyword=chaoyang&sort=views",
		"keyword=地铁", "keyword=精装&price_min=4000&sort=new&page=2&page_size=5", "keyword=nothing-like-this",
		"facilities=wifi", "facilities=wifi,ac", "facilities=wifi&facilities=fridge&sort=price_desc", "facilities=ac&bedrooms=2",
		"sort=bookings", "sort=bookings&city=beijing&district=dongcheng", "sort=bookings&price_min=3500&price_max=5000",
		"sort=bookings&page=2&page_size=4", "sort=views", "sort=views&price_max=4500", "sort=views&page=3&page_size=5",
		dates + "&keyword=花园&facilities=wifi&sort=views", "sort=views&rent_type=shared",
		dates + "&price_min=3500&price_max=5000&sort=new&page=2&page_size=3",
		dates + "&city=beijing&district=chaoyang&sort=price_desc&page=2&page_size=2", dates + "&bedrooms=2&sort=new",
		dates + "&sort=bookings&page=2&page_size=5", "price_min=3500&sort=bookings", "price_max=4500&sort=new&page=3&page_size=4",
		dates + "&sort=new&page=9&page_size=3", "sort=bookings&price_min=3000&price_max=5000&bedrooms=2",
		"sort=bookings&facilities=wifi&price_max=5000&page=2&page_size=2",
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		for _, q := range queries {
			got, gotTotal, source := searchIDs(t, sys.Client(), q)
			want, wantTotal, wantSource := searchIDs(t, mysqlOnly.Client(), q)
			if source != "redis" || wantSource != "mysql" {
				return fmt.Sprintf("%s: sources %s and %s", q, source, wantSource)
			}
			if gotTotal != wantTotal || strings.Join(got, ",") != strings.Join(want, ",") {
				return fmt.Sprintf("%s: redis %v (total %v), mysql %v (total %v)", q, got, gotTotal, want, wantTotal)
			}
		}
		return ""
	})
	// The filters filter: a sanity check that the answers are not trivially equal.
	for q, want := range map[string]float64{"keyword=sunny": 10, "facilities=wifi,ac": 8, dates: 22, "keyword=nothing-like-this": 0} {
		if _, total, _ := searchIDs(t, sys.Client(), q); total != want {
			t.Errorf("%s: %v matches, want %v", q, total, want)
		}
	}
}
