package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
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
	if *users != (oldsite.Counts{Read: 7, Imported: 4, Failed: 3}) || *houses != (oldsite.Counts{Read: 14, Imported: 7, Failed: 7}) ||
		report.Landlords.Imported != 5 || report.MustReset != 6 { // user 2 + five landlords
		t.Fatalf("report: users %+v houses %+v landlords %+v must reset %d\n%s", *users, *houses, report.Landlords, report.MustReset, notes(report.Problems))
	}
	problems := notes(report.Problems)
	for _, want := range []string{
		"user_info 3: email: must be a valid email address", "user_info 4: email: is already registered", "user_info 6: no password",
		`house_info 4: price "面议"`, `house_info 5: area ""`, `house_info 6: rooms "豪宅"`, `house_info 7: region "火星"`,
		`house_info 8: landlord phone "12345"`, "house_info 9: title is empty", `house_info 10: rent type "短租"`, `house_info 10: price "300元/天"`,
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	if w := notes(report.Warnings); !strings.Contains(w, `house_info 11: facility "阳台"`) || !strings.Contains(w, "user_info 5: no name") {
		t.Errorf("warnings:\n%s", w)
	}
	// Page views of the seven houses; favorites and histories of users 1, 2, 5
	// and 7, with house 7 (not imported) named in user 2's seen_id.
	if report.PageViews.Imported != 7 || report.Activity != (oldsite.Counts{Read: 7, Imported: 4}) {
		t.Errorf("page views %+v, favorites and histories %+v", report.PageViews, report.Activity)
	}
	if w := notes(report.Warnings); !strings.Contains(w, "user_info 2: seen_id 7: that house was not imported") {
		t.Errorf("a history naming a house not imported is reported:\n%s", w)
	}

	// The read models follow: check is clean and the houses are found.
	base := sys.Open()
	defer base.Close()
	waitClean(t, base)
	ids, total, source := searchIDs(t, sys.Client(), "city=beijing")
	if total != 2 || source != "redis" {
		t.Fatalf("houses 1 and 2 are Beijing's: %v %v %s", ids, total, source)
	}
	m := mysql.NewImportMap(base.Pools.Writer)
	h13, ok, err := m.Lookup(context.Background(), "house", "13")
	if err != nil || !ok {
		t.Fatalf("house 13 is mapped: %v %v", ok, err)
	}
	doc := waitVersion(t, sys.Client(), h13.String(), 2)
	if doc["title"] != `Tom's 公寓 (近"成都东站"); 带阳台` || doc["city"] != "chengdu" || doc["district"] != "chenghua" ||
		doc["bedrooms"] != float64(2) || doc["area_sqm"] != 65.5 || doc["price"] != float64(2800) || doc["highlights"] != `可养宠物\猫` {
		t.Fatalf("house 13 as imported: %v", doc)
	}

	// The old page views are the view counts; a history imported counts no
	// view again (house 3 is on user 1's history, house 1 on it and a favorite).
	house := func(old string) string {
		id, ok, err := m.Lookup(context.Background(), "house", old)
		if err != nil || !ok {
			t.Fatalf("house %s is mapped: %v %v", old, ok, err)
		}
		return id.String()
	}
	for old, views := range map[string]float64{"1": 1203, "3": 2410, "11": 640, "14": 20} {
		if d := sys.Client().Must(http.StatusOK, "GET", "/listings/"+house(old), nil); d["views"] != views {
			t.Errorf("house %s has the old site's %v views, got %v", old, views, d["views"])
		}
	}

	// A second run changes nothing.
	before := counts(t, base.Pools.Writer)
	again := importOnce(t, sys, oldsite.Dump{Path: sampleDump}, &bytes.Buffer{})
	if *again.Tables[oldsite.UserTable] != (oldsite.Counts{Read: 7, AlreadyImported: 4, Failed: 3}) ||
		*again.Tables[oldsite.HouseTable] != (oldsite.Counts{Read: 14, AlreadyImported: 7, Failed: 7}) || again.Landlords.Imported != 0 ||
		again.PageViews.Imported != 0 || again.Activity != (oldsite.Counts{Read: 7, AlreadyImported: 4}) {
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
	if redone.Tables[oldsite.HouseTable].Imported != 7 || redone.Activity.Imported != 4 {
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
	listed := func(path string) []string {
		var ids []string
		for _, it := range xiaoming.Must(http.StatusOK, "GET", path, nil)["items"].([]any) {
			item := it.(map[string]any)
			if l, ok := item["listing"].(map[string]any); ok {
				item = l
			}
			ids = append(ids, item["id"].(string))
		}
		slices.Sort(ids)
		return ids
	}
	favorites := []string{house("1"), house("2"), house("11")}
	slices.Sort(favorites)
	if got := listed("/users/me/favorites"); !slices.Equal(got, favorites) {
		t.Errorf("小明's favorites are houses 1, 2 and 11: %v, want %v", got, favorites)
	}
	history := xiaoming.Must(http.StatusOK, "GET", "/users/me/history", nil)["items"].([]any)
	if len(history) != 2 || history[0].(map[string]any)["listing"].(map[string]any)["id"] != house("3") ||
		history[1].(map[string]any)["listing"].(map[string]any)["id"] != house("1") {
		t.Errorf("小明's history is houses 3 then 1: %v", history)
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
		t.Fatalf("王先生 has houses 1 and 2: %v", mine)
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
