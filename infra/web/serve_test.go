package web_test

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

// TestServe starts the system on a fresh database with some listings and
// keeps it up for RENTAL_WEB_SERVE seconds, for a person (or a screenshot)
// to look at the pages: RENTAL_WEB_SERVE=600 go test ./infra/web -run TestServe -v
func TestServe(t *testing.T) {
	secs, _ := strconv.Atoi(os.Getenv("RENTAL_WEB_SERVE"))
	if secs <= 0 {
		t.Skip("set RENTAL_WEB_SERVE=<seconds> to serve the pages for a look")
	}
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("landlord@example.com", "landlord")
	tenant, _ := sys.Register("tenant@example.com", "tenant")
	districts := []string{"haidian", "chaoyang", "dongcheng", "xicheng", "fengtai"}
	var last string
	for i := range 26 {
		body := flat(fmt.Sprintf("%s 精装%d居 近地铁", []string{"海淀", "朝阳", "东城", "西城", "丰台"}[i%5], 1+i%4), 3000+i*350, districts[i%5], 1+i%4)
		body["area_sqm"] = 35 + i*4
		id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		last = id
	}
	tenant.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": last,
		"start_date": time.Now().AddDate(0, 0, 10).Format("2006-01-02"), "end_date": time.Now().AddDate(0, 2, 10).Format("2006-01-02")})
	fmt.Printf("serving %s for %ds (landlord@example.com / tenant@example.com, password correct-horse)\n", sys.URL, secs)
	time.Sleep(time.Duration(secs) * time.Second)
}
