package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/zufang/rental/infra/system/apiserver"
	"github.com/zufang/rental/infra/testing/testenv"
)

// BenchmarkListingDetail_handler measures what one listing-detail request
// costs the api in process, without the network: the whole handler chain
// (middleware, session, near cache, encoding) against an echo handler that
// writes a static body of the same size, the ceiling of the wrk benchmark
// (cmd/rentalbench --scenarios reads). The difference is the api's own work.
func BenchmarkListingDetail_handler(b *testing.B) {
	sys := testenv.StartSystem(b, testenv.Options{})
	landlord, _ := sys.Register("bench@example.com", "landlord")
	id := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{
		"title": "海淀 两居", "price": 6500, "city": "beijing", "district": "haidian", "rent_type": "whole",
		"area_sqm": 60.5, "bedrooms": 2, "facilities": []string{"wifi", "fridge"},
	})["id"].(string)
	landlord.Must(http.StatusOK, "POST", "/listings/"+id+"/publish", nil)

	base := sys.Open()
	defer base.Close()
	api, err := apiserver.New(base)
	if err != nil {
		b.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go base.RM.Run(ctx)
	go api.Near.Run(ctx)
	get := func(h http.Handler) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/listings/"+id, nil))
		return rec
	}
	var body []byte
	testenv.Eventually(b, 10*time.Second, func() string {
		before, _ := api.Near.Stats()
		rec := get(api.Handler)
		if after, _ := api.Near.Stats(); rec.Code != http.StatusOK || after == before {
			return fmt.Sprintf("the detail is not served from the near cache yet: %d", rec.Code)
		}
		body = rec.Body.Bytes()
		return ""
	})
	static := echo.New()
	static.GET("/api/v1/listings/:id", func(c echo.Context) error { return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, body) })

	for _, h := range []struct {
		name    string
		handler http.Handler
	}{{"static echo", static}, {"api", api.Handler}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := get(h.handler); rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
