package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/zufang/rental/infra/jobs"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops"
	"github.com/zufang/rental/infra/ops/oldsite"
	"github.com/zufang/rental/infra/testing/testenv"
)

const sampleDump = "../../ops/oldsite/testdata/old_site.sql"

// importOnce runs an import the way rentalctl does: its own relay publishes
// the events, and it returns once the outbox is empty.
func importOnce(t *testing.T, sys *testenv.System, src oldsite.Source, creds *bytes.Buffer) *oldsite.Report {
	t.Helper()
	base := sys.Open()
	defer base.Close()
	rel, err := base.NewRelay(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _ = rel.Run(ctx) }()
	var w io.Writer
	if creds != nil {
		w = creds
	}
	report, err := ops.NewImporter(base, rel, "", false, w).Run(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, func() string {
		var n int
		_ = base.Pools.Writer.QueryRow(`SELECT COUNT(*) FROM outbox`).Scan(&n)
		if n > 0 {
			return fmt.Sprintf("%d events not published", n)
		}
		return ""
	})
	return report
}

func counts(t *testing.T, db *sql.DB) string {
	t.Helper()
	var users, listings, evs int
	db.QueryRow(`SELECT COUNT(*) FROM users`).Scan(&users)
	db.QueryRow(`SELECT COUNT(*) FROM listings`).Scan(&listings)
	db.QueryRow(`SELECT COUNT(*) FROM event_log`).Scan(&evs)
	return fmt.Sprintf("%d users, %d listings, %d events", users, listings, evs)
}

func notes(ns []oldsite.Note) string {
	var b strings.Builder
	for _, n := range ns {
		fmt.Fprintf(&b, "%s %s: %s\n", n.Table, n.ID, n.Note)
	}
	return b.String()
}

func TestImport_fromTheOldSiteDumpThroughTheCommandPath(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	var creds bytes.Buffer
	report := importOnce(t, sys, oldsite.Dump{Path: sampleDump}, &creds)

	users, houses := report.Tables[oldsite.UserTable], report.Tables[oldsite.HouseTable]
	if *users != (oldsite.Counts{Read: 9, Imported: 5, Failed: 4}) || *houses != (oldsite.Counts{Read: 16, Imported: 7, Failed: 8, Duplicate: 1}) ||
		report.Landlords.Imported != 5 || report.MustReset != 7 { // users 2 (too short) and 5 (a common password) + five landlords
		t.Fatalf("report: users %+v houses %+v landlords %+v must reset %d\n%s", *users, *houses, report.Landlords, report.MustReset, notes(report.Problems))
	}
	problems := notes(report.Problems)
	for _, want := range []string{
		"user_info 3: email: must be a valid email address", "user_info 4: email: is already registered", "user_info 6: no password",
		`user_info 8: no email: the old site logged in by user name ("eve")`,
		`house_info 4: price "面议"`, `house_info 5: area ""`, `house_info 6: rooms "豪宅"`, `house_info 7: region "火星"`,
		`house_info 8: landlord phone "12345"`, "house_info 9: title is empty", `house_info 10: rent type "短租"`, `house_info 10: price "300元/天"`,
		`house_info 11: region "浦东" is no district of beijing but of shanghai`,
		`house_info 15: duplicate: house_num "BJ2019050100001" was imported already`,
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	warnings := notes(report.Warnings)
	for _, want := range []string{`house_info 3: facility "阳台"`, "user_info 5: no name", "house_info 12: publish time unknown",
		"house_info 13: publish time unknown", "user_info 9: seen_id names 22 houses: the 20 most recent are kept",
		"user_info 2: seen_id 7: that house was not imported"} {
		if !strings.Contains(warnings, want) {
			t.Errorf("warnings lack %q:\n%s", want, warnings)
		}
	}
	if strings.Contains(warnings, `"Wi"`) || strings.Contains(warnings, `"Fi"`) {
		t.Errorf("Wi-Fi is one facility:\n%s", warnings)
	}
	// Page views of the seven houses (not of the duplicate); favorites and
	// histories of users 1, 2, 5, 7 and 9.
	if report.PageViews.Imported != 7 || report.Activity != (oldsite.Counts{Read: 9, Imported: 5}) {
		t.Errorf("page views %+v, favorites and histories %+v", report.PageViews, report.Activity)
	}

	// The read models follow: check is clean, and every house imported is
	// Beijing's (the old site's only city).
	base := sys.Open()
	defer base.Close()
	waitClean(t, base)
	m := mysql.NewImportMap(base.Pools.Writer)
	house := func(old string) string {
		id, ok, err := m.Lookup(context.Background(), "house", old)
		if err != nil || !ok {
			t.Fatalf("house %s is mapped: %v %v", old, ok, err)
		}
		return id.String()
	}
	newest, total, source := searchIDs(t, sys.Client(), "city=beijing&sort=new&page_size=50")
	if total != 7 || source != "redis" {
		t.Fatalf("the seven houses are Beijing's: %v %v %s", newest, total, source)
	}
	// "newest" follows the old site's publish times; the two whose time is
	// unknown (0, NULL) were published as of the import, so they come first.
	var known []string
	for _, id := range newest {
		if id != house("12") && id != house("13") {
			known = append(known, id)
		}
	}
	if want := []string{house("14"), house("16"), house("3"), house("2"), house("1")}; !slices.Equal(known, want) || !slices.Contains(newest[:2], house("12")) {
		t.Fatalf("newest first follows the old publish times: %v, want %v after houses 12 and 13", newest, want)
	}
	doc := waitVersion(t, sys.Client(), house("13"), 2)
	if doc["title"] != `Tom's 公寓 (近"北京东站"); 带阳台` || doc["city"] != "beijing" || doc["district"] != "tongzhou" ||
		doc["bedrooms"] != float64(2) || doc["area_sqm"] != 65.5 || doc["price"] != float64(2800) || doc["highlights"] != `可养宠物\猫` ||
		doc["block"] != "梨园" || doc["community"] != "九棵树家园; 2单元" || doc["address"] != "" || doc["reference"] != "BJ0000000000013" {
		t.Fatalf("house 13 as imported: %v", doc)
	}
	h1 := sys.Client().Must(http.StatusOK, "GET", "/listings/"+house("1"), nil)
	if h1["published_at"] != "2019-05-01T00:00:00Z" || h1["reference"] != "BJ2019050100001" || h1["district"] != "haidian" ||
		fmt.Sprint(h1["facilities"]) != "[fridge washer ac water_heater wifi]" {
		t.Fatalf("house 1 keeps its publish time, number and Wi-Fi: %v", h1)
	}
	h3 := sys.Client().Must(http.StatusOK, "GET", "/listings/"+house("3"), nil)
	if h3["district"] != "fangshan" || h3["bedrooms"] != float64(1) || h3["living_rooms"] != float64(1) || h3["area_sqm"] != float64(45) || h3["price"] != float64(3200) {
		t.Fatalf("house 3 (房山, full-width digits): %v", h3)
	}
	// The community is what the old site's chart grouped by and its search matched.
	stats := sys.Client().Must(http.StatusOK, "GET", "/stats/beijing/haidian", nil)
	if c, _ := stats["communities"].([]any); len(c) != 1 || c[0].(map[string]any)["name"] != "华清嘉园" || c[0].(map[string]any)["count"] != float64(1) {
		t.Fatalf("the community chart counts the old address, once for the duplicate pair: %v", stats["communities"])
	}
	if found, n, _ := searchIDs(t, sys.Client(), "keyword="+url.QueryEscape("长阳半岛")); n != 1 || found[0] != house("3") {
		t.Fatalf("keyword search finds the community: %v", found)
	}

	// The old page views are the view counts, the duplicate's not added; a
	// history imported counts no view again.
	for old, views := range map[string]float64{"1": 1203, "3": 2410, "12": 233, "14": 20} {
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+house(old), nil); d["views"] != views {
			t.Errorf("house %s has the old site's %v views, got %v", old, views, d["views"])
		}
	}

	// A second run changes nothing, and reports the duplicate again.
	before := counts(t, base.Pools.Writer)
	again := importOnce(t, sys, oldsite.Dump{Path: sampleDump}, &bytes.Buffer{})
	if *again.Tables[oldsite.UserTable] != (oldsite.Counts{Read: 9, AlreadyImported: 5, Failed: 4}) ||
		*again.Tables[oldsite.HouseTable] != (oldsite.Counts{Read: 16, AlreadyImported: 7, Failed: 8, Duplicate: 1}) || again.Landlords.Imported != 0 ||
		again.PageViews.Imported != 0 || again.Activity != (oldsite.Counts{Read: 9, AlreadyImported: 5}) {
		t.Fatalf("second run: %+v %+v %+v %+v %+v", *again.Tables[oldsite.UserTable], *again.Tables[oldsite.HouseTable], again.Landlords, again.PageViews, again.Activity)
	}
	if after := counts(t, base.Pools.Writer); after != before {
		t.Fatalf("a second run changed the data: %s, then %s", before, after)
	}

	// A run cut off after its commands committed but before it recorded its
	// rows done, repeated after the idempotency window: the import's command
	// records are kept, so every command is still recognised.
	forget := jobs.ForgetCommands{Records: mysql.NewCommandRunner(base.Pools.Writer, nil), Log: slog.New(slog.DiscardHandler),
		Now: func() time.Time { return time.Now().Add(72 * time.Hour) }}
	if _, err := forget.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := base.Pools.Writer.Exec(`DELETE FROM import_map`); err != nil {
		t.Fatal(err)
	}
	redone := importOnce(t, sys, oldsite.Dump{Path: sampleDump}, &bytes.Buffer{})
	if redone.Tables[oldsite.HouseTable].Imported != 7 || redone.Tables[oldsite.HouseTable].Duplicate != 1 || redone.Activity.Imported != 5 {
		t.Fatalf("the interrupted run's rows are done again: %+v %+v", *redone.Tables[oldsite.HouseTable], redone.Activity)
	}
	if after := counts(t, base.Pools.Writer); after != before {
		t.Fatalf("repeating an interrupted run days later changed the data: %s, then %s", before, after)
	}
	if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+house("1"), nil); d["views"] != float64(1203) {
		t.Fatalf("the page views are added once: %v", d["views"])
	}

	// Logins: a password that meets today's policy works as it was; one that
	// does not must be replaced at the first login, and only then opens a session.
	xiaoming := sys.Client()
	xiaoming.Token = xiaoming.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "xiaoming@example.com", "password": "xiaoming2019"})["token"].(string)
	listed := func(c *testenv.Client, path string) []string {
		var ids []string
		for _, it := range c.Must(http.StatusOK, "GET", path, nil)["items"].([]any) {
			item := it.(map[string]any)
			if l, ok := item["listing"].(map[string]any); ok {
				item = l
			}
			ids = append(ids, item["id"].(string))
		}
		return ids
	}
	// collect_id "1,2,13" is oldest first: newest first they are 13, 2, 1.
	if got, want := listed(xiaoming, "/users/me/favorites"), []string{house("13"), house("2"), house("1")}; !slices.Equal(got, want) {
		t.Errorf("小明's favorites, newest first, are houses 13, 2 and 1: %v, want %v", got, want)
	}
	// seen_id "3,1" is most recent first.
	if got, want := listed(xiaoming, "/users/me/history"), []string{house("3"), house("1")}; !slices.Equal(got, want) {
		t.Errorf("小明's history is houses 3 then 1: %v, want %v", got, want)
	}
	// frank's 22 houses: the 20 most recent, those imported, house 15 as
	// house 1's listing (then house 1 itself, older, counts once).
	frank := sys.Client()
	frank.Token = frank.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "frank@example.com", "password": "frank-secret-9"})["token"].(string)
	if got, want := listed(frank, "/users/me/history"), []string{house("16"), house("1"), house("14"), house("13"), house("12"), house("3"), house("2")}; !slices.Equal(got, want) {
		t.Errorf("frank's history: %v, want %v", got, want)
	}
	r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "xiaohong@example.com", "password": "123456"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "new_password") {
		t.Fatalf("a forced reset asks for new_password: %d %s", r.Status, r.Body)
	}
	if r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "xiaohong@example.com", "password": "wrong-one", "new_password": "new-password-2"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("the old password is still needed: %d", r.Status)
	}
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "xiaohong@example.com", "password": "123456", "new_password": "new-password-2"})
	sys.Client().Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "xiaohong@example.com", "password": "new-password-2"})
	if r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "xiaohong@example.com", "password": "123456"}); r.Status != http.StatusUnauthorized {
		t.Fatalf("the old password is gone: %d", r.Status)
	}
	// The old login was the user name: it is no login here.
	if r := sys.Client().Do("POST", "/sessions", map[string]any{"login": "小明", "password": "xiaoming2019"}); r.Status != http.StatusUnauthorized && r.Status != http.StatusBadRequest {
		t.Fatalf("the old user name is no login: %d %s", r.Status, r.Body)
	}

	// Landlords get in with the temporary password handed to operators.
	lines := strings.Split(strings.TrimSpace(creds.String()), "\n")
	at := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "13800138001,") })
	if len(lines) != 5 || at < 0 {
		t.Fatalf("credentials of five landlords: %q", lines)
	}
	wang := sys.Client()
	login := wang.Must(http.StatusCreated, "POST", "/sessions", map[string]any{"login": "13800138001",
		"password": strings.TrimPrefix(lines[at], "13800138001,"), "new_password": "wang-new-password"})
	wang.Token = login["token"].(string)
	if mine := wang.Must(http.StatusOK, "GET", "/users/me/listings", nil); mine["total"] != float64(2) {
		t.Fatalf("王先生 has houses 1 and 2 (house 15 is house 1): %v", mine)
	}
}

func TestCatalog_listsEveryDistrictOfBeijing(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{Workers: -1})
	var beijing []string
	for _, c := range sys.Client().Must(http.StatusOK, "GET", "/areas", nil)["cities"].([]any) {
		if city := c.(map[string]any); city["code"] == "beijing" {
			for _, d := range city["districts"].([]any) {
				beijing = append(beijing, d.(map[string]any)["name"].(string))
			}
		}
	}
	for _, want := range []string{"房山区", "门头沟区", "怀柔区", "平谷区", "密云区", "延庆区"} {
		if !slices.Contains(beijing, want) {
			t.Errorf("Beijing lacks %s", want)
		}
	}
	if len(beijing) != 16 {
		t.Fatalf("Beijing has 16 districts: %v", beijing)
	}
}

func TestImport_fromTheOldSiteDatabaseMatchesTheDump(t *testing.T) {
	// The old site's live database: the sample dump loaded into a scratch database.
	oldDSN := testenv.Database(t)
	cfg, _ := driver.ParseDSN(oldDSN)
	cfg.MultiStatements = true
	old, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	dump, err := os.ReadFile(sampleDump)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(string(dump)); err != nil {
		t.Fatalf("the sample dump must load into MySQL as it is: %v", err)
	}

	fromDB := importOnce(t, testenv.StartSystem(t, testenv.Options{Workers: -1}), oldsite.DB{DSN: oldDSN}, nil)
	fromDump := importOnce(t, testenv.StartSystem(t, testenv.Options{Workers: -1}), oldsite.Dump{Path: sampleDump}, nil)
	for _, table := range []string{oldsite.UserTable, oldsite.HouseTable} {
		if *fromDB.Tables[table] != *fromDump.Tables[table] {
			t.Errorf("%s: %+v from the database, %+v from the dump", table, *fromDB.Tables[table], *fromDump.Tables[table])
		}
	}
	if a, b := notes(fromDB.Problems), notes(fromDump.Problems); a != b {
		t.Errorf("problems differ:\n%s\nvs\n%s", a, b)
	}
}
