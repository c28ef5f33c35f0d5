package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/infra/config"
	"github.com/zufang/rental/infra/testing/testenv"
)

// discoverySystem seeds listings with bookings and views, and returns the
// system with a second api on the same data that answers from MySQL only.
func discoverySystem(t *testing.T) (*testenv.System, *testenv.System, []string) {
	t.Helper()
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	communities := []string{"阳光花园", "阳光花园", "翠湖", "阳光花园", "金色家园", "翠湖"}
	var ids []string
	for i := range 12 {
		body := flat(fmt.Sprintf("整租·%s %d室", communities[i%6], 1+i%3), 3000+250*i)
		body["district"] = []string{"haidian", "haidian", "chaoyang"}[i%3]
		body["block"] = []string{"中关村", "五道口", "望京"}[i%3]
		body["community"] = communities[i%6]
		body["bedrooms"] = 1 + i%3
		body["area_sqm"] = 40 + 10*float64(i)
		ids = append(ids, publishedListing(t, sys, landlord, body))
	}
	for i := 0; i < 12; i += 2 { // bookings that held (paid): listing 0 most, then 2, 4...
		for n := range (12 - i) / 2 {
			start := in(10 + 40*n)
			id := tenant.Must(http.StatusCreated, "POST", "/orders", order(ids[i], start, monthsFrom(start, 1)))["id"].(string)
			landlord.Must(http.StatusOK, "POST", "/orders/"+id+"/accept", nil)
			tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/pay", nil)
		}
	}
	// Views count distinct viewers (a day): listing 11 most, then 9...
	viewers := []*testenv.Client{tenant}
	for i := 1; i < 11; i++ {
		v, _ := sys.Register(fmt.Sprintf("viewer%d@example.com", i), "tenant")
		viewers = append(viewers, v)
	}
	for i := 1; i < 12; i += 2 {
		for _, v := range viewers[:i] {
			v.Must(http.StatusOK, "GET", "/listings/"+ids[i], nil)
		}
	}
	// Views are recorded in the background: wait until the last one counts.
	testenv.Eventually(t, 10*time.Second, func() string {
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+ids[11], nil); d["views"] != float64(11) {
			return fmt.Sprintf("listing 11 has %v views, want 11", d["views"])
		}
		return ""
	})
	mysqlOnly := testenv.StartSystem(t, testenv.Options{Workers: -1, Configure: func(c *config.Config) {
		c.MySQLDSN, c.Prefix, c.ReadModels = sys.Config.MySQLDSN, sys.Config.Prefix, false
	}})
	return sys, mysqlOnly, ids
}

// sameAnswer waits until path answers from Redis what MySQL answers, and returns it.
func sameAnswer(t *testing.T, sys, mysqlOnly *testenv.System, path string) map[string]any {
	t.Helper()
	var got testenv.Response
	testenv.Eventually(t, 10*time.Second, func() string {
		got = sys.Client().Do("GET", path, nil)
		want := mysqlOnly.Client().Do("GET", path, nil)
		if got.Status != http.StatusOK || got.Header.Get("X-Read-Source") != "redis" || want.Header.Get("X-Read-Source") != "mysql" {
			return fmt.Sprintf("%s: %d from %s, %s from %s", path, got.Status, got.Header.Get("X-Read-Source"), want.Body, want.Header.Get("X-Read-Source"))
		}
		if string(got.Body) != string(want.Body) {
			return fmt.Sprintf("%s:\nredis %s\nmysql %s", path, got.Body, want.Body)
		}
		return ""
	})
	return got.JSON(t)
}

func ids(items any) []string {
	var out []string
	for _, it := range items.([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

func TestDiscovery_homeSimilarAndChartsAnswerLikeMySQL(t *testing.T) {
	sys, mysqlOnly, listings := discoverySystem(t)

	home := sameAnswer(t, sys, mysqlOnly, "/home")
	if hot := ids(home["hot"]); len(hot) != 10 || hot[0] != listings[0] || hot[1] != listings[2] {
		t.Fatalf("hot: most booked first: %v", hot)
	}
	if viewed := ids(home["most_viewed"]); len(viewed) != 6 || viewed[0] != listings[11] || viewed[5] != listings[1] {
		t.Fatalf("most viewed: the six viewed listings, most first: %v", viewed)
	}
	if newest := ids(home["newest"]); len(newest) != 10 || newest[0] != listings[11] {
		t.Fatalf("newest first: %v", newest)
	}

	similar := sameAnswer(t, sys, mysqlOnly, "/listings/"+listings[0]+"/similar")
	got := ids(similar["items"])
	// Listing 0 is in Haidian, 中关村: the Haidian ones, same block first, then by price gap.
	want := []string{listings[3], listings[6], listings[9], listings[1], listings[4], listings[7], listings[10]}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("similar to listing 0: %v, want %v", got, want)
	}

	stats := sameAnswer(t, sys, mysqlOnly, "/stats/beijing/haidian")
	if stats["listings"] != float64(8) || len(stats["points"].([]any)) != 8 {
		t.Fatalf("eight Haidian listings: %v", stats)
	}
	trend := stats["trend"].(map[string]any)
	// Prices rise 250 for every 10 m² in the seed: slope 25 CNY per m², intercept 2000.
	if trend["slope"] != float64(25) || trend["intercept"] != float64(2000) {
		t.Fatalf("trend: %v", trend)
	}
	beds := stats["bedrooms"].([]any)
	if len(beds) != 2 || beds[0].(map[string]any)["share"] != 0.5 || beds[0].(map[string]any)["avg_price"] != float64(4125) {
		t.Fatalf("bedrooms: %v", beds)
	}
	comm := stats["communities"].([]any)
	if len(comm) != 2 || comm[0].(map[string]any)["name"] != "阳光花园" || comm[0].(map[string]any)["count"] != float64(6) {
		t.Fatalf("communities: %v", comm)
	}
	empty := sameAnswer(t, sys, mysqlOnly, "/stats/shanghai/pudong")
	if empty["listings"] != float64(0) || empty["trend"] != nil {
		t.Fatalf("a district without listings has empty charts: %v", empty)
	}
	if r := sys.Client().Do("GET", "/stats/beijing/atlantis", nil); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown district is a 404: %d", r.Status)
	}
}

func TestDiscovery_chartsFollowEveryChange(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: 2})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	a := publishedListing(t, sys, landlord, flat("A", 3000))
	b := publishedListing(t, sys, landlord, flat("B", 5000))
	landlord.Must(http.StatusOK, "PATCH", "/listings/"+a, map[string]any{"price": 4000, "bedrooms": 3, "community": "翠湖"})
	landlord.Must(http.StatusOK, "POST", "/listings/"+b+"/unpublish", nil)
	testenv.Eventually(t, 5*time.Second, func() string {
		r := sys.Client().Do("GET", "/stats/beijing/haidian", nil)
		st := r.JSON(t)
		beds, _ := st["bedrooms"].([]any)
		comm, _ := st["communities"].([]any)
		if st["listings"] != float64(1) || len(beds) != 1 || beds[0].(map[string]any)["bedrooms"] != float64(3) ||
			beds[0].(map[string]any)["avg_price"] != float64(4000) || len(comm) != 1 || r.Header.Get("X-Read-Source") != "redis" {
			return fmt.Sprintf("the charts follow the edit and the unpublishing: %s", r.Body)
		}
		return ""
	})
}

func TestSuggest_districtsBlocksAndTitles(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	for i, block := range []string{"中关村", "中关村", "中关村南", "望京"} {
		body := flat(fmt.Sprintf("中关村 精装 %d", i%2), 3000)
		body["block"] = block
		publishedListing(t, sys, landlord, body)
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		r := sys.Client().Do("GET", "/search/suggest?q=中关", nil)
		s := r.JSON(t)
		blocks, titles := s["blocks"].([]any), s["titles"].([]any)
		if r.Header.Get("X-Read-Source") != "redis" || len(blocks) != 2 || blocks[0].(map[string]any)["name"] != "中关村" ||
			blocks[0].(map[string]any)["count"] != float64(2) || len(titles) != 2 {
			return fmt.Sprintf("blocks and titles that contain 中关 (%s): %s", r.Header.Get("X-Read-Source"), r.Body)
		}
		return ""
	})
	s := sys.Client().Must(http.StatusOK, "GET", "/search/suggest?q=朝阳", nil)
	if d := s["districts"].([]any); len(d) != 1 || d[0].(map[string]any)["district"] != "chaoyang" {
		t.Fatalf("districts come from the dictionary: %v", s)
	}
	s = sys.Client().Must(http.StatusOK, "GET", "/search/suggest?q=HAIDIAN", nil)
	if d := s["districts"].([]any); len(d) != 1 {
		t.Fatalf("district codes match too, whatever the case: %v", s)
	}
	for _, q := range []string{"", "%20%20"} {
		if r := sys.Client().Do("GET", "/search/suggest?q="+q, nil); r.Status != http.StatusBadRequest {
			t.Fatalf("an empty q is a 400: %d", r.Status)
		}
	}
}
