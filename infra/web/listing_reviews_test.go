package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// reviewed gives the listing one finished, reviewed stay per rating: each
// tenant books a month, the landlord accepts, the tenant pays, the stay is
// moved into the past and the stay job ends it, then the tenant reviews. It
// returns the reviews' contents in the order they were written.
func reviewed(t *testing.T, sys *testenv.System, landlord *testenv.Client, listing string, ratings []int) []string {
	t.Helper()
	base := sys.Open()
	defer base.Close()
	var contents []string
	for i, r := range ratings {
		tenant, _ := sys.Register(fmt.Sprintf("reviewer%d@example.com", i), "tenant")
		start, end := stay(40*i, 1)
		id := tenant.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": listing, "start_date": start, "end_date": end})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/orders/"+id+"/accept", nil)
		tenant.Must(http.StatusOK, "POST", "/orders/"+id+"/pay", nil)
		// Each stay ends on its own past month, so they never overlap.
		past := time.Now().AddDate(0, -3*(i+1), 0)
		if _, err := base.Pools.Writer.Exec(`UPDATE orders SET start_date = ?, end_date = ? WHERE id = UNHEX(REPLACE(?, '-', ''))`,
			past.Format("2006-01-02"), past.AddDate(0, 1, 0).Format("2006-01-02"), id); err != nil {
			t.Fatal(err)
		}
		if n, err := system.NewStayJob(base, nil).RunOnce(context.Background()); err != nil || n != 1 {
			t.Fatalf("the stay job ends the stay: %d %v", n, err)
		}
		content := fmt.Sprintf("第%d位租客：采光好，房东很热情", i+1)
		testenv.Eventually(t, 10*time.Second, func() string {
			if r := tenant.Do("POST", "/orders/"+id+"/review", map[string]any{"rating": r, "content": content}); r.Status != http.StatusOK {
				return fmt.Sprintf("review: %d %s", r.Status, r.Body)
			}
			return ""
		})
		contents = append(contents, content)
	}
	return contents
}

func TestDetail_reviewsArePagedNewestFirstWithTheAverageRating(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("reviews-landlord@example.com", "landlord")
	id := publish(t, sys, landlord, flat("海淀 有评价的两居", 5000, "haidian", 2))
	ratings := []int{5, 4, 3, 5, 4, 5, 2}
	contents := reviewed(t, sys, landlord, id, ratings)
	sum := 0
	for _, r := range ratings {
		sum += r
	}
	avg := fmt.Sprintf("%.1f", float64(sum)/float64(len(ratings)))

	b := newBrowser(t, sys)
	path := "/listings/" + id
	var first page
	testenv.Eventually(t, 10*time.Second, func() string {
		first = b.must(http.StatusOK, path)
		if !strings.Contains(first.Body, fmt.Sprintf("（%d 条评价）", len(ratings))) {
			return "the reviews are not all projected yet"
		}
		return ""
	})
	first.contains(t, avg+" 分", fmt.Sprintf("租客评价（%d）", len(ratings)))
	// Newest first: the last five written, in reverse, on the first page.
	got := regexp.MustCompile(`第\d位租客：采光好，房东很热情`).FindAllString(first.Body, -1)
	want := []string{contents[6], contents[5], contents[4], contents[3], contents[2]}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("page 1 holds the five newest reviews, newest first:\n got %v\nwant %v", got, want)
	}
	first.contains(t, `<span class="stars" aria-label="2 星">★★☆☆☆</span>`)
	next := regexp.MustCompile(`href="([^"]*page=2[^"]*)" rel="next"`).FindStringSubmatch(first.Body)
	if next == nil {
		t.Fatalf("page 1 links to page 2 of the reviews: %s", excerpt(first.Body))
	}
	second := b.must(http.StatusOK, strings.ReplaceAll(next[1], "&amp;", "&"))
	got = regexp.MustCompile(`第\d位租客：采光好，房东很热情`).FindAllString(second.Body, -1)
	if strings.Join(got, "|") != contents[1]+"|"+contents[0] {
		t.Fatalf("page 2 holds the two oldest: %v", got)
	}
	second.contains(t, `共2页`)
}

func TestDetail_aPreviewOfTakenDatesSaysSoBesideTheMoveInDate(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("taken-landlord@example.com", "landlord")
	id := publish(t, sys, landlord, flat("海淀 抢手两居", 5000, "haidian", 2))
	early, _ := sys.Register("early@example.com", "tenant")
	start, end := stay(0, 2)
	early.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": id, "start_date": start, "end_date": end})

	b, _ := tenantAt(t, sys, "late@example.com")
	path := "/listings/" + id
	// A stay that begins inside the taken one: refused at the preview, with the taken dates named.
	s, _ := time.Parse("2006-01-02", start)
	overlapStart, overlapEnd := s.AddDate(0, 1, 0).Format("2006-01-02"), s.AddDate(0, 3, 0).Format("2006-01-02")
	var taken page
	testenv.Eventually(t, 10*time.Second, func() string {
		taken = b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {overlapStart}, "end_date": {overlapEnd}})
		if taken.Status != http.StatusConflict {
			return fmt.Sprintf("the preview of taken dates: %d", taken.Status)
		}
		return ""
	})
	taken.contains(t, `id="e-start_date"`, "所选日期已被预订（"+date(start)+"至"+date(end)+"）", `aria-describedby="e-start_date"`,
		`value="`+overlapStart+`"`, `value="`+overlapEnd+`"`)
	taken.lacks(t, `id="booking-confirm"`, `id="quote-amount"`)
	// The day the earlier stay ends is free (the end date is exclusive): the preview shows the amount.
	free := b.post(path+"/book", url.Values{"step": {"preview"}, "start_date": {end}, "end_date": {s.AddDate(0, 4, 0).Format("2006-01-02")}})
	if free.Status != http.StatusOK {
		t.Fatalf("the preview of free dates: %d %s", free.Status, excerpt(free.Body))
	}
	free.contains(t, `id="quote-amount">￥10,000<`, `id="booking-confirm"`)
}
