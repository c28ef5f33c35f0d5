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

	"github.com/zufang/rental/infra/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testenv"
)

// whats lists "key what" for every difference, repaired or not.
func whats(r check.Report) []string {
	var out []string
	for _, d := range r.Differences {
		out = append(out, d.Key+" "+d.What)
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
	run := func(repair bool) check.Report {
		t.Helper()
		r, err := check.Run(ctx, base.RM, system.Checkers(base), check.Options{Repair: repair, Batch: 5})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	var report check.Report
	testenv.Eventually(t, 10*time.Second, func() string {
		if report = run(false); !report.Clean() {
			return fmt.Sprintf("%d differences: %v", len(report.Differences), whats(report))
		}
		return ""
	})
	if report.Checked[readmodel.Listings] != 12 || report.Checked[readmodel.Users] != 1 {
		t.Fatalf("checked %v", report.Checked)
	}

	rdb := testenv.Redis(t, testenv.RedisAddr())
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	space := sys.Config.Prefix + "rm:listings:" + gen + ":"
	// Same version, different body: only a same-version repair can fix it.
	rdb.HSet(ctx, space+"listing:"+ids[0], "d", `{"tampered":true}`)
	if r := sys.Client().Do("GET", "/listings/"+ids[0], nil); !strings.Contains(string(r.Body), `"tampered":true`) {
		t.Fatalf("the api serves (and caches) what the read model holds: %s", r.Body)
	}
	// An index entry lost.
	members, _ := rdb.ZRange(ctx, space+"ix:listing:c:beijing:price", 0, -1).Result()
	var lost string
	for _, m := range members {
		if strings.HasPrefix(m, ids[1]) {
			lost = m
		}
	}
	rdb.ZRem(ctx, space+"ix:listing:c:beijing:price", lost)
	// An older version.
	rdb.HSet(ctx, space+"listing:"+ids[2], "v", "1")
	// A document MySQL never had, and an index member no document claims.
	orphan := "0195c0de-0000-7000-8000-000000000001"
	rdb.HSet(ctx, space+"listing:"+orphan, "v", "3", "d", "{}", "ix", "ix:listing:all:price\t"+orphan+"|1|w|1|1|0")
	rdb.ZAdd(ctx, space+"ix:listing:all:price", goredisZ(1, orphan+"|1|w|1|1|0"))
	stray := "0195c0de-0000-7000-8000-000000000002|2|w|5|5|0"
	rdb.ZAdd(ctx, space+"ix:listing:c:beijing:new", goredisZ(5, stray))
	// A deleted listing back in the search index.
	rdb.ZAdd(ctx, space+"ix:listing:all:new", goredisZ(7, deleted+"|2|w|1010|7|0"))

	report = run(false)
	for _, want := range []struct{ key, what string }{
		{ids[0], readmodel.DiffDocument}, {ids[1], readmodel.DiffIndex + " ix:listing:c:beijing:price"},
		{ids[2], readmodel.DiffStale}, {orphan, readmodel.DiffOrphan}, {"ix:listing:c:beijing:new", readmodel.DiffExtra},
		{"ix:listing:all:new", readmodel.DiffExtra},
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
	if !repaired.Clean() || repaired.Repaired < 6 {
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
	checker := system.Checkers(base)[0]
	testenv.Eventually(t, 10*time.Second, func() string {
		exp, _ := checker.ExpectIDs(ctx, []string{id})
		gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
		if diffs, err := base.RM.Compare(ctx, readmodel.Listings, gen, exp); err != nil || len(diffs) > 0 {
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
		if v, _ := base.RM.Versions(ctx, readmodel.Listings, gen, []string{"listing:" + id}); v[0] != 3 {
			return fmt.Sprintf("read model at v%d", v[0])
		}
		return ""
	})
	n, err := base.RM.Repair(ctx, gen, v2)
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
