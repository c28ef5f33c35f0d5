package web_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/zufang/rental/infra/testing/testenv"
)

// flat is a complete listing body a landlord can publish.
func flat(title string, price int, district string, bedrooms int) map[string]any {
	return map[string]any{
		"title": title, "price": price, "city": "beijing", "district": district, "rent_type": "whole",
		"block": "中关村", "community": "知春里小区", "orientation": "南", "floor": "6/18层",
		"address": "知春路 1 号", "deposit": price, "min_months": 1,
		"area_sqm": 40 + 20*bedrooms, "bedrooms": bedrooms, "living_rooms": 1, "bathrooms": 1,
		"facilities": []string{"wifi", "fridge", "washer"}, "highlights": "近地铁，南北通透", "traffic": "距地铁10号线知春路站 500 米",
		"description": "精装修，拎包入住",
	}
}

// publish creates and publishes a listing through the API and waits until
// search finds it; it returns the listing's id.
func publish(t *testing.T, sys *testenv.System, landlord *testenv.Client, body map[string]any) string {
	t.Helper()
	id := landlord.Must(http.StatusCreated, "POST", "/listings", body)["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)
	anon := sys.Client()
	testenv.Eventually(t, 10*time.Second, func() string {
		r := anon.Do("GET", "/listings?city=beijing&page_size=50", nil)
		for _, it := range r.JSON(t)["items"].([]any) {
			if it.(map[string]any)["id"] == id {
				return ""
			}
		}
		return fmt.Sprintf("listing %s not in search yet", id)
	})
	return id
}
