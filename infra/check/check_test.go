package check_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/infra/check"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/testenv"
)

func TestCheck_cleanAfterTrafficAndFindsTampering(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("check@example.com", "landlord")
	var last string
	for i := range 12 {
		id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": fmt.Sprint("C", i), "price": 1000 + i,
			"city": "beijing", "district": "haidian", "rent_type": "whole", "area_sqm": 33.333})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
		last = id
	}
	landlord.Must(http.StatusOK, "DELETE", "/listings/"+last, nil)
	base := sys.Open()
	defer base.Close()
	states := mysql.NewStates(base.Pools.Writer, base.Catalog)
	ctx := context.Background()

	var report check.Report
	testenv.Eventually(t, 10*time.Second, func() string {
		var err error
		if report, err = check.Run(ctx, states, base.RM); err != nil {
			return err.Error()
		}
		if !report.Clean() {
			return fmt.Sprintf("%d differences: %+v", len(report.Differences), report.Differences)
		}
		return ""
	})
	if report.Checked[readmodel.Listings] != 12 || report.Checked[readmodel.Users] != 1 {
		t.Fatalf("checked %v", report.Checked)
	}

	rdb := testenv.Redis(t, testenv.RedisAddr())
	gen, _, _ := base.RM.Generations(ctx, readmodel.Listings)
	space := sys.Config.Prefix + "rm:listings:" + gen + ":"
	rdb.HSet(ctx, space+"listing:"+last, "d", `{"tampered":true}`)
	members, _ := rdb.ZRange(ctx, space+"ix:listing:c:beijing:price", 0, 0).Result()
	rdb.ZRem(ctx, space+"ix:listing:c:beijing:price", members[0])

	report, err := check.Run(ctx, states, base.RM)
	if err != nil {
		t.Fatal(err)
	}
	var tampered, unindexed bool
	for _, d := range report.Differences {
		tampered = tampered || (strings.Contains(d.Key, last) && d.What == "document")
		unindexed = unindexed || (strings.HasPrefix(members[0], strings.TrimPrefix(d.Key, "listing:")) && d.What == "index ix:listing:c:beijing:price")
	}
	if !tampered || !unindexed {
		t.Fatalf("a tampered document and a missing index entry must both be reported: %+v", report.Differences)
	}
}
