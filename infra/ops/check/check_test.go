package check_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// whats lists "key what" for every difference, repaired or not.
func whats(r check.Report) []string {
	var out []string
	for _, d := range r.Differences {
		fixed := ""
		if d.Repaired {
			fixed = " (repaired)"
		}
		out = append(out, d.Key+" "+d.What+fixed)
	}
	return out
}

func has(r check.Report, key, what string) bool {
	return slices.ContainsFunc(r.Differences, func(d check.Difference) bool {
		return strings.Contains(d.Key, key) && strings.HasPrefix(d.What, what)
	})
}

func TestCheck_cleanAfterTrafficThenFindsAndRepairsTampering(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("check@example.com", "landlord")
	var ids []string
	for i := range 12 {
		id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": fmt.Sprint("C", i), "price": 1000 + i,
			"city": "beijing", "district": "haidian", "rent_type": "whole", "area_sqm": 33.333})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		ids = append(ids, id)
	}
	deleted := ids[11]
	landlord.Must(http.StatusOK, "DELETE", "/listings/"+deleted, nil)
	base := sys.Open()
	defer base.Close()
	ctx := context.Background()
	run := runner(t, base, 5)

	report := clean(t, run)
	if report.Checked[readmodel.Listings] != 12 || report.Checked[readmodel.Users] != 1 {
		t.Fatalf("checked %v", report.Checked)
	}

	rdb := testenv.Redis(t, testenv.RedisAddr())
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	space := sys.Config.Prefix + "rm:listings:" + gen + ":"
	// Same version, different body: only a same-version repair can fix it.
	rdb.HSet(ctx, space+"listing:"+ids[0], "d", `{"tampered":true}`)
	if r := sys.Client().Unchecked().Do("GET", "/listings/"+ids[0], nil); !strings.Contains(string(r.Body), `"tampered":true`) {
		t.Fatalf("the api serves (and caches) what the read model holds: %s", r.Body)
	}
	// An index entry lost.
	members, _ := rdb.ZRange(ctx, space+"ix:listing:d:beijing:haidian:price", 0, -1).Result()
	var lost string
	for _, m := range members {
		if strings.HasPrefix(m, ids[1]) {
			lost = m
		}
	}
	rdb.ZRem(ctx, space+"ix:listing:d:beijing:haidian:price", lost)
	// An older version.
	rdb.HSet(ctx, space+"listing:"+ids[2], "v", "1")
	// A document MySQL never had, and an index member no document claims.
	orphan := "0195c0de-0000-7000-8000-000000000001"
	rdb.HSet(ctx, space+"listing:"+orphan, "v", "3", "d", "{}", "ix", "ix:listing:all:new\t1\t"+orphan+"|1|w|1|1|0")
	rdb.ZAdd(ctx, space+"ix:listing:all:new", goredisZ(1, orphan+"|1|w|1|1|0"))
	stray := "0195c0de-0000-7000-8000-000000000002|2|w|5|5|0"
	rdb.ZAdd(ctx, space+"ix:listing:all:bookings", goredisZ(5, stray))
	// A deleted listing back in the search index.
	rdb.ZAdd(ctx, space+"ix:listing:all:new", goredisZ(7, deleted+"|2|w|1010|7|0"))
	// The search bitmaps: a listing's bit lost, another's price bit flipped,
	// a bit no document claims (the deleted listing among the published).
	ord := func(id string) int64 {
		o, err := rdb.HGet(ctx, sys.Config.Prefix+"rm:ord", id).Int64()
		if err != nil {
			t.Fatalf("listing %s has no ordinal: %v", id, err)
		}
		return o
	}
	rdb.SetBit(ctx, space+"bm:s:all", ord(ids[3]), 0)
	rdb.SetBit(ctx, space+"bm:p:20", ord(ids[4]), 1)
	rdb.SetBit(ctx, space+"bm:s:d:beijing:haidian", ord(deleted), 1)

	report = run(false)
	for _, want := range []struct{ key, what string }{
		{ids[0], readmodel.DiffDocument}, {ids[1], readmodel.DiffIndex + " ix:listing:d:beijing:haidian:price"},
		{ids[2], readmodel.DiffStale}, {orphan, readmodel.DiffOrphan}, {"ix:listing:all:bookings", readmodel.DiffExtra},
		{"ix:listing:all:new", readmodel.DiffExtra}, {ids[3], readmodel.DiffIndex + " bm:s:all"}, {ids[4], readmodel.DiffIndex + " bm:p:20"},
		{"bm:s:d:beijing:haidian", readmodel.DiffExtra},
	} {
		if !has(report, want.key, want.what) {
			t.Errorf("not reported: %s %s; got %v", want.key, want.what, whats(report))
		}
	}
	if report.Clean() || report.Repaired != 0 {
		t.Fatalf("a check without --repair reports and changes nothing: %+v", report)
	}
	if !slices.ContainsFunc(report.Counts, func(c check.Count) bool {
		return c.Key == "listing documents" && c.MySQL == 12 && c.Redis == 13
	}) {
		t.Errorf("document counts must show the orphan: %+v", report.Counts)
	}

	repaired := run(true)
	if !repaired.Clean() || repaired.Repaired < 9 {
		t.Fatalf("--repair must fix everything: %d repaired, remaining %v", repaired.Repaired, whats(repaired))
	}
	if after := run(false); !after.Clean() {
		t.Fatalf("clean after the repair, got %v", whats(after))
	}
	// The api that cached the tampered body serves the repaired one: the
	// repair's change notice drops a cached document of the same version.
	testenv.Eventually(t, time.Second, func() string {
		if doc := sys.Client().Must(http.StatusOK, "GET", "/listings/"+ids[0], nil); doc["title"] != "C0" {
			return fmt.Sprintf("still served: %v", doc)
		}
		return ""
	})

	// A counted member (title suggestions) whose total no longer matches
	// its documents: reported, left to a replay, which fixes it.
	rdb.ZIncrBy(ctx, space+"sg:title", 2, "C3")
	counted := run(true)
	if counted.Clean() || !has(counted, "sg:title", readmodel.DiffSum+" C3") {
		t.Fatalf("a counted total that differs must be reported and stay: %v", whats(counted))
	}
	if _, _, err := system.NewReplayer(base).Rebuild(ctx, readmodel.Listings); err != nil {
		t.Fatal(err)
	}
	if after := run(false); !after.Clean() {
		t.Fatalf("clean after a replay, got %v", whats(after))
	}
}

func TestCheck_aRepairNeverOverwritesANewerVersion(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("race@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": "Race", "price": 2000,
		"city": "beijing", "district": "haidian", "rent_type": "whole", "area_sqm": 40})["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	base := sys.Open()
	defer base.Close()
	ctx := context.Background()
	checker := ops.Checkers(base)[0]
	testenv.Eventually(t, 10*time.Second, func() string {
		exp, _ := checker.ExpectIDs(ctx, []string{id})
		gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
		if diffs, err := readmodel.NewInspector(base.RM).Compare(ctx, readmodel.Listings, gen, exp); err != nil || len(diffs) > 0 {
			return fmt.Sprintf("not projected yet: %v %v", diffs, err)
		}
		return ""
	})
	// What a check read from MySQL at version 2 ...
	v2, err := checker.ExpectIDs(ctx, []string{id})
	if err != nil || len(v2) != 1 || v2[0].Version() != 2 {
		t.Fatalf("expected v2: %v %v", v2, err)
	}
	// ... while a newer version is projected before its repair lands.
	res := landlord.Must(http.StatusOK, "PATCH", "/listings/"+id, map[string]any{"price": 2100})
	landlord.Must(http.StatusOK, "GET", fmt.Sprintf("/listings/%s?min_version=%v", id, res["version"]), nil)
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	testenv.Eventually(t, 10*time.Second, func() string {
		if v, _ := readmodel.NewInspector(base.RM).Versions(ctx, readmodel.Listings, gen, []string{"listing:" + id}); v[0] != 3 {
			return fmt.Sprintf("read model at v%d", v[0])
		}
		return ""
	})
	n, err := readmodel.NewInspector(base.RM).Repair(ctx, gen, v2)
	if err != nil || n != 0 {
		t.Fatalf("repairing with v2 over v3 must do nothing: %d %v", n, err)
	}
	doc, err := base.RM.Listing(ctx, mustUUID(t, id))
	if err != nil || doc.Version != 3 || !strings.Contains(string(doc.JSON), `"price":2100`) {
		t.Fatalf("v3 must survive the repair: %+v %v", doc, err)
	}
}

func goredisZ(score float64, member string) goredis.Z { return goredis.Z{Score: score, Member: member} }

func mustUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// day returns the ISO date n days from today in China, as the API takes it.
func day(n int) string { return events.Today(time.Now()).AddDate(0, 0, n).Format(events.DateLayout) }

func TestCheck_ordersFavoritesViewsAndHistoryCleanAfterTrafficThenRepaired(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("owner@example.com", "landlord")
	a, aID := sys.Register("a@example.com", "tenant")
	b, bID := sys.Register("b@example.com", "tenant")
	var l [3]string
	for i := range l {
		l[i] = landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": fmt.Sprint("L", i), "price": 3000 + 100*i,
			"city": "beijing", "district": "haidian", "rent_type": "whole", "area_sqm": 40})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+l[i]+"/publish", nil)
	}
	book := func(c *testenv.Client, listing string, from int) string {
		start := day(from)
		end := command.AddMonths(must(command.ParseDate(start)), 1).Format(events.DateLayout)
		return c.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": listing, "start_date": start, "end_date": end})["id"].(string)
	}
	base := sys.Open()
	defer base.Close()
	ctx := context.Background()

	// Orders: one through to its review, one canceled, one rejected, one accepted and waiting for payment.
	reviewed := book(a, l[0], 5)
	landlord.Must(http.StatusOK, "POST", "/orders/"+reviewed+"/accept", nil)
	a.Must(http.StatusOK, "POST", "/orders/"+reviewed+"/pay", nil)
	if _, err := base.Pools.Writer.Exec(`UPDATE orders SET start_date = ?, end_date = ? WHERE id = UNHEX(REPLACE(?, '-', ''))`,
		day(-40), day(0), reviewed); err != nil {
		t.Fatal(err)
	}
	if n, err := system.NewStayJob(base, nil).RunOnce(ctx); err != nil || n != 1 {
		t.Fatalf("the stay is over: %d %v", n, err)
	}
	a.Must(http.StatusOK, "POST", "/orders/"+reviewed+"/review", map[string]any{"rating": 5, "content": "好"})
	canceled := book(a, l[1], 5)
	a.Must(http.StatusOK, "POST", "/orders/"+canceled+"/cancel", nil)
	rejected := book(b, l[1], 40)
	landlord.Must(http.StatusOK, "POST", "/orders/"+rejected+"/reject", map[string]any{"reason": "no"})
	waiting := book(b, l[2], 10)
	landlord.Must(http.StatusOK, "POST", "/orders/"+waiting+"/accept", nil)

	// Favorites: added, one removed again. Views by logged-in tenants, then one history cleared.
	a.Must(http.StatusOK, "PUT", "/users/me/favorites/"+l[0], nil)
	a.Must(http.StatusOK, "PUT", "/users/me/favorites/"+l[1], nil)
	a.Must(http.StatusOK, "DELETE", "/users/me/favorites/"+l[0], nil)
	b.Must(http.StatusOK, "PUT", "/users/me/favorites/"+l[2], nil)
	for _, id := range l {
		a.Must(http.StatusOK, "GET", "/listings/"+id, nil)
	}
	b.Must(http.StatusOK, "GET", "/listings/"+l[0], nil)
	testenv.Eventually(t, 10*time.Second, func() string {
		if items := b.Must(http.StatusOK, "GET", "/users/me/history", nil)["items"].([]any); len(items) != 1 {
			return fmt.Sprintf("b's view not recorded yet: %v", items)
		}
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+l[0], nil); d["views"] != float64(2) {
			return fmt.Sprintf("views of L0: %v", d["views"])
		}
		return ""
	})
	b.Must(http.StatusOK, "DELETE", "/users/me/history", nil)

	run := runner(t, base, 2)
	report := clean(t, run)
	for projection, n := range map[string]int{readmodel.Orders: 4, readmodel.Favorites: 3, readmodel.Views: 3, readmodel.History: 2} {
		if report.Checked[projection] != n {
			t.Errorf("%s: %d documents checked, want %d (%v)", projection, report.Checked[projection], n, report.Checked)
		}
	}

	rdb := testenv.Redis(t, testenv.RedisAddr())
	space := func(projection string) string {
		gen, _, err := base.RM.Generations(ctx, projection)
		if err != nil || gen == readmodel.NoGeneration {
			t.Fatalf("%s has no live generation: %v", projection, err)
		}
		return sys.Config.Prefix + "rm:" + projection + ":" + gen + ":"
	}
	orders, favs, views, hist := space(readmodel.Orders), space(readmodel.Favorites), space(readmodel.Views), space(readmodel.History)
	stray := "0195c0de-0000-7000-8000-000000000003"
	// Orders: a body, a stored status, a lost booked range and review, a
	// canceled order back in a waiting list, a review nobody wrote.
	rdb.HSet(ctx, orders+"order:"+canceled, "d", `{"tampered":true}`)
	rdb.HSet(ctx, orders+"order:"+rejected, "s", events.OrderStatusWaitAccept)
	stays, _ := rdb.ZRange(ctx, orders+"booked:"+l[2], 0, -1).Result()
	if len(stays) != 1 || !strings.HasSuffix(stays[0], "|"+waiting) {
		t.Fatalf("only the accepted order holds dates: %v", stays)
	}
	rdb.ZRem(ctx, orders+"booked:"+l[2], stays[0])
	// The availability the stay set: its start lost from the search bitmaps.
	start, _, _ := strings.Cut(stays[0], "|")
	o, err := rdb.HGet(ctx, sys.Config.Prefix+"rm:ord", l[2]).Int64()
	if err != nil {
		t.Fatal(err)
	}
	rdb.SetBit(ctx, orders+"bm:a:s0:"+start, o, 0)
	rdb.HDel(ctx, orders+"reviewdoc", reviewed)
	rdb.ZAdd(ctx, orders+"ix:orders:tenant:"+aID+":wait_accept", goredisZ(1, canceled))
	rdb.HSet(ctx, orders+"reviewdoc", stray, "{}")
	// Favorites: a body, a lost favorite, a removed one back in the list.
	rdb.HSet(ctx, favs+"fav:"+favoriteID(t, aID, l[1]), "d", `{"tampered":true}`)
	rdb.ZRem(ctx, favs+"ix:fav:"+bID, l[2])
	rdb.ZAdd(ctx, favs+"ix:fav:"+aID, goredisZ(1, l[0]))
	// Views: a wrong count on the detail, a wrong score in the ranking, a lost counter.
	rdb.HSet(ctx, views+"views:"+l[0], "s", "999")
	rdb.ZAdd(ctx, views+"ix:views", goredisZ(50, l[1]))
	rdb.Del(ctx, views+"views:"+l[2])
	// History: a body, a lost history, one of a user MySQL never had.
	rdb.HSet(ctx, hist+"history:"+aID, "d", `{"tampered":true}`)
	rdb.Del(ctx, hist+"history:"+bID)
	rdb.HSet(ctx, hist+"history:"+stray, "v", "1", "d", "{}")

	report = run(false)
	for _, want := range []struct{ key, what string }{
		{"order:" + canceled, readmodel.DiffDocument}, {"order:" + rejected, readmodel.DiffStatus},
		{"order:" + waiting, readmodel.DiffIndex + " booked:" + l[2]}, {"order:" + waiting, readmodel.DiffIndex + " bm:a:s0:" + start},
		{"order:" + reviewed, readmodel.DiffIndex + " =reviewdoc"},
		{"ix:orders:tenant:" + aID + ":wait_accept", readmodel.DiffExtra}, {"reviewdoc", readmodel.DiffExtra},
		{"fav:" + favoriteID(t, aID, l[1]), readmodel.DiffDocument}, {"fav:" + favoriteID(t, bID, l[2]), readmodel.DiffIndex + " ix:fav:" + bID},
		{"ix:fav:" + aID, readmodel.DiffExtra},
		{"views:" + l[0], readmodel.DiffStatus}, {"views:" + l[1], readmodel.DiffIndex + " ix:views"}, {"views:" + l[2], readmodel.DiffMissing},
		{"history:" + aID, readmodel.DiffDocument}, {"history:" + bID, readmodel.DiffMissing}, {"history:" + stray, readmodel.DiffOrphan},
	} {
		if !has(report, want.key, want.what) {
			t.Errorf("not reported: %s %s; got %v", want.key, want.what, whats(report))
		}
	}
	for _, want := range []check.Count{
		{Projection: readmodel.Orders, Key: "ix:orders:tenant:" + aID + ":wait_accept", MySQL: 0, Redis: 1},
		{Projection: readmodel.Orders, Key: "booked:" + l[2], MySQL: 1, Redis: 0},
		{Projection: readmodel.Favorites, Key: "ix:fav:" + aID, MySQL: 1, Redis: 2},
		{Projection: readmodel.Views, Key: "views documents", MySQL: 3, Redis: 2},
		// Documents are always counted, equal or not: one lost, one orphan.
		{Projection: readmodel.History, Key: "history documents", MySQL: 2, Redis: 2},
	} {
		if !slices.Contains(report.Counts, want) {
			t.Errorf("count not reported: %+v; got %+v", want, report.Counts)
		}
	}
	// An index is counted only when its sizes differ: reviewdoc lost one
	// member and gained another, so only the members above tell.
	for _, c := range report.Counts {
		if c.Key == "reviewdoc" {
			t.Errorf("reviewdoc has as many members as MySQL claims (one lost, one extra), counted anyway: %+v", c)
		}
	}
	if report.Clean() || report.Repaired != 0 {
		t.Fatalf("a check without --repair reports and changes nothing: %d repaired", report.Repaired)
	}

	repaired := run(true)
	if !repaired.Clean() || repaired.Repaired < 15 {
		t.Fatalf("--repair must fix everything: %d repaired, remaining %v", repaired.Repaired, whats(repaired))
	}
	if after := run(false); !after.Clean() {
		t.Fatalf("clean after the repair, got %v", whats(after))
	}
	// What users see is right again.
	testenv.Eventually(t, time.Second, func() string {
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+l[0], nil); d["views"] != float64(2) {
			return fmt.Sprintf("views of L0 served: %v", d["views"])
		}
		if page := a.Must(http.StatusOK, "GET", "/users/me/favorites", nil); page["total"] != float64(1) {
			return fmt.Sprintf("a's favorites: %v", page)
		}
		if page := b.Must(http.StatusOK, "GET", "/users/me/favorites", nil); page["total"] != float64(1) {
			return fmt.Sprintf("b's favorites: %v", page)
		}
		if r := sys.Client().Do("GET", "/listings/"+l[0]+"/reviews", nil); r.JSON(t)["total"] != float64(1) ||
			!strings.Contains(string(r.Body), `"好"`) {
			return fmt.Sprintf("L0's review: %s", r.Body)
		}
		return ""
	})
}

func favoriteID(t *testing.T, user, listing string) string {
	return events.FavoriteID(mustUUID(t, user), mustUUID(t, listing)).String()
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("must")
	}
	return v
}

// runner runs the check (with repair or not) in batches of batch documents.
func runner(t *testing.T, base *system.Base, batch int) func(repair bool) check.Report {
	return func(repair bool) check.Report {
		t.Helper()
		r, err := check.Run(context.Background(), base.RM, ops.Checkers(base), check.Options{Repair: repair, Batch: batch})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// clean waits until the check finds nothing, as the workers catch up, and returns its report.
func clean(t *testing.T, run func(repair bool) check.Report) check.Report {
	t.Helper()
	var report check.Report
	testenv.Eventually(t, 10*time.Second, func() string {
		if report = run(false); !report.Clean() {
			return fmt.Sprintf("%d differences: %v", len(report.Differences), whats(report))
		}
		return ""
	})
	return report
}
