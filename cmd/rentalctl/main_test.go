package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testing/testenv"
)

// rentalctl runs a command line against the test system, configured the way
// an operator's shell is: by RENTAL_* variables.
func rentalctl(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var out, errs bytes.Buffer
	start := time.Now()
	code := run(context.Background(), args, &out, &errs)
	t.Logf("rentalctl %v: %s", args, time.Since(start))
	return code, out.String() + errs.String()
}

// startSystem starts a test system and points rentalctl at it, the way an
// operator's shell is: by RENTAL_* variables.
func startSystem(t *testing.T) *testenv.System {
	sys := testenv.StartSystem(t, testenv.Options{})
	for k, v := range map[string]string{
		"RENTAL_MYSQL_DSN": sys.Config.MySQLDSN, "RENTAL_REDIS_ADDR": testenv.RedisAddr(), "RENTAL_REDIS_PREFIX": sys.Config.Prefix,
		"RENTAL_BCRYPT_COST": "4", "RENTAL_LOG_LEVEL": "error",
	} {
		t.Setenv(k, v)
	}
	return sys
}

func TestRentalctl_operatorCommandsAgainstARunningSystem(t *testing.T) {
	sys := startSystem(t)
	landlord, _ := sys.Register("ops@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": "Ops", "price": 3000, "city": "beijing",
		"district": "haidian", "rent_type": "whole", "area_sqm": 50})["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	testenv.Eventually(t, 10*time.Second, func() string {
		if code, out := rentalctl(t, "check"); code != 0 {
			return out
		}
		return ""
	})

	// check: differences exit 1; --repair fixes them and exits 0.
	base := sys.Open()
	defer base.Close()
	ctx := context.Background()
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	rdb := testenv.Redis(t, testenv.RedisAddr())
	rdb.HSet(ctx, sys.Config.Prefix+"rm:listings:"+gen+":listing:"+id, "d", `{"title":"tampered"}`)
	if code, out := rentalctl(t, "check"); code != 1 || !strings.Contains(out, "differs ") || !strings.Contains(out, "listing:"+id) {
		t.Fatalf("check must exit 1 naming the difference: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "check", "--repair"); code != 0 || !strings.Contains(out, "repaired") {
		t.Fatalf("check --repair: %d\n%s", code, out)
	}
	code, out := rentalctl(t, "check", "--json")
	var report struct {
		Checked     map[string]int `json:"checked"`
		Differences []any          `json:"differences"`
	}
	if err := json.Unmarshal([]byte(out[:strings.LastIndex(out, "}")+1]), &report); code != 0 || err != nil ||
		report.Checked["listings"] != 1 || len(report.Differences) != 0 {
		t.Fatalf("check --json after the repair: %d %v\n%s", code, err, out)
	}

	// replay switches every read model to a new generation.
	if code, out := rentalctl(t, "replay"); code != 0 || !regexp.MustCompile(`listings: generation \d+ is live`).MatchString(out) {
		t.Fatalf("replay: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "replay", "--projection", "nope"); code == 0 || !strings.Contains(out, "unknown projection") {
		t.Fatalf("an unknown projection: %d\n%s", code, out)
	}

	// import, twice.
	creds := filepath.Join(t.TempDir(), "landlords.csv")
	dump := "../../infra/ops/oldsite/testdata/old_site.sql"
	if code, out := rentalctl(t, "import", "--dump", dump, "--landlord-credentials", creds); code != 0 ||
		!strings.Contains(out, "house_info read 16: imported 7, already imported 0, not imported 8, duplicates 1") ||
		!strings.Contains(out, `not imported  house_info 4: price "面议"`) || !strings.Contains(out, "page views of 7 houses added") || !strings.Contains(out, "favorites and history of 5 users imported, 0 already") {
		t.Fatalf("import: %d\n%s", code, out)
	}
	if b, err := os.ReadFile(creds); err != nil || strings.Count(string(b), "\n") != 5 {
		t.Fatalf("landlord credentials: %q %v", b, err)
	}
	if code, out := rentalctl(t, "import", "--dump", dump); code != 0 || !strings.Contains(out, "house_info read 16: imported 0, already imported 7") ||
		!strings.Contains(out, "page views of 0 houses") || !strings.Contains(out, "favorites and history of 0 users imported, 5 already") {
		t.Fatalf("a second import: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "import"); code == 0 || !strings.Contains(out, "--dump FILE") {
		t.Fatalf("import without a source: %d\n%s", code, out)
	}

	// dlq: a dead letter is listed, shown and dropped.
	rdb.XAdd(ctx, &goredis.XAddArgs{Stream: events.Stream(sys.Config.Prefix, events.AggregateListing), Values: map[string]any{"junk": "1"}})
	var deadID string
	testenv.Eventually(t, 10*time.Second, func() string {
		code, out := rentalctl(t, "dlq", "list")
		if code != 0 || !strings.Contains(out, "1 of 1 dead letters") {
			return fmt.Sprintf("%d %s", code, out)
		}
		deadID = regexp.MustCompile(`\n(\d+-\d+) `).FindStringSubmatch(out)[1]
		return ""
	})
	if code, out := rentalctl(t, "dlq", "show", deadID); code != 0 || !strings.Contains(out, `"malformed": true`) || !strings.Contains(out, "junk") {
		t.Fatalf("dlq show: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "dlq", "retry"); code == 0 || !strings.Contains(out, "--all") {
		t.Fatalf("retry needs ids or --all: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "dlq", "drop", "--all"); code != 0 || !strings.Contains(out, deadID+": dropped") {
		t.Fatalf("dlq drop --all: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "dlq", "list"); code != 0 || !strings.Contains(out, "0 of 0 dead letters") {
		t.Fatalf("dlq list after drop: %d\n%s", code, out)
	}
	if code, out := rentalctl(t, "check"); code != 0 {
		t.Fatalf("everything still matches MySQL: %d\n%s", code, out)
	}
}
