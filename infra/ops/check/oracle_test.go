package check_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/events"
	"github.com/zufang/rental/infra/mysql"
	"github.com/zufang/rental/infra/ops/check"
	"github.com/zufang/rental/infra/readmodel"
	"github.com/zufang/rental/infra/system"
	"github.com/zufang/rental/infra/testing/testenv"
)

// listingOracle is what the listing document must be, built by hand from
// the listings row (and the area names in areas) with SQL and this table of
// columns to JSON fields: none of the platform's own mapping (scanListing,
// Listing.State, the projector's write) is used, so a field mapped wrong in
// the same way on both sides of the check shows here.
func listingOracle(t *testing.T, db *sql.DB, id string) map[string]any {
	t.Helper()
	var (
		lid, landlord, status, title, desc, city, cityName, district, districtName, block, community, address string
		rentType, area, orientation, floor, facilities, highlights, traffic, cover, images, reference         string
		created, updated                                                                                      string
		published                                                                                             sql.NullString
		version, bedrooms, living, baths, price, deposit, minMonths, bookings, ratingSum, ratingCount         int64
	)
	ts := func(col string) string { return `DATE_FORMAT(l.` + col + `, '%Y-%m-%dT%H:%i:%s.%fZ')` }
	err := db.QueryRow(`SELECT LOWER(INSERT(INSERT(INSERT(INSERT(HEX(l.id), 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-')),
		LOWER(INSERT(INSERT(INSERT(INSERT(HEX(l.landlord_id), 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-')),
		l.version, l.status, l.title, l.description, l.city, COALESCE(a.city_name, ''), l.district, COALESCE(a.district_name, ''),
		l.block, l.community, l.address, l.rent_type, l.bedrooms, l.living_rooms, l.bathrooms, CAST(l.area_sqm AS CHAR),
		l.orientation, l.floor, l.price, l.deposit, l.min_months, l.facilities, l.highlights, l.traffic, l.cover_image,
		l.images, l.reference, l.bookings, l.rating_sum, l.rating_count, `+ts("created_at")+`, `+ts("updated_at")+`, `+ts("published_at")+`
		FROM listings l LEFT JOIN areas a ON a.city = l.city AND a.district = l.district
		WHERE l.id = UNHEX(REPLACE(?, '-', ''))`, id).Scan(
		&lid, &landlord, &version, &status, &title, &desc, &city, &cityName, &district, &districtName,
		&block, &community, &address, &rentType, &bedrooms, &living, &baths, &area,
		&orientation, &floor, &price, &deposit, &minMonths, &facilities, &highlights, &traffic, &cover,
		&images, &reference, &bookings, &ratingSum, &ratingCount, &created, &updated, &published)
	if err != nil {
		t.Fatalf("reading listing %s: %v", id, err)
	}
	areaSqm, err := strconv.ParseFloat(area, 64)
	if err != nil {
		t.Fatal(err)
	}
	codes := []any{}
	for _, c := range strings.Split(facilities, ",") {
		if c != "" {
			codes = append(codes, c)
		}
	}
	var imgs any
	if err := json.Unmarshal([]byte(images), &imgs); err != nil {
		t.Fatalf("images column %q: %v", images, err)
	}
	rating := 0.0
	if ratingCount > 0 { // the mean, rounded half up to two decimals
		rating = math.Floor(float64(ratingSum)*100/float64(ratingCount)+0.5) / 100
	}
	var publishedAt any
	if published.Valid {
		publishedAt = published.String
	}
	return map[string]any{
		"id": lid, "version": version, "landlord_id": landlord, "status": status, "title": title, "description": desc,
		"city": city, "city_name": cityName, "district": district, "district_name": districtName, "block": block,
		"community": community, "address": address, "rent_type": rentType, "bedrooms": bedrooms, "living_rooms": living,
		"bathrooms": baths, "area_sqm": areaSqm, "orientation": orientation, "floor": floor, "price": price, "deposit": deposit,
		"min_months": minMonths, "facilities": codes, "highlights": highlights, "traffic": traffic, "cover_image": cover,
		"images": imgs, "reference": reference, "bookings": bookings, "rating": rating, "reviews": ratingCount,
		"created_at": created, "updated_at": updated, "published_at": publishedAt,
	}
}

// normalized is a JSON document as comparable values: numbers as float64,
// and the three times as instants (MySQL's microseconds against Go's
// shortest form of the same time).
func normalized(t *testing.T, doc any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	for _, k := range []string{"created_at", "updated_at", "published_at"} {
		if s, ok := m[k].(string); ok {
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("%s %q: %v", k, s, err)
			}
			m[k] = at.UTC()
		}
	}
	return m
}

// differences names each field whose values differ.
func differences(got, want map[string]any) []string {
	var out []string
	for k, w := range want {
		if g, ok := got[k]; !ok || !reflect.DeepEqual(g, w) {
			out = append(out, fmt.Sprintf("%s: got %#v, want %#v", k, got[k], w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("%s: %#v, a field the listing does not have", k, g))
		}
	}
	return out
}

// The listing document the worker writes, and the one the check expects,
// are both what the oracle builds from the MySQL row: for a listing with
// every field, images, a cover, bookings and a rounded rating, and for a
// bare draft (empty lists, no publish time).
func TestCheck_theListingDocumentIsWhatAnIndependentOracleBuildsFromTheRow(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("oracle@example.com", "landlord")
	tenant, _ := sys.Register("oracle-t@example.com", "tenant")
	full := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{
		"title": "五道口 南北通透 三居", "description": "近地铁\n带\"阳台\"", "city": "beijing", "district": "haidian",
		"block": "五道口", "community": "华清嘉园", "address": "成府路 1 号", "rent_type": "shared", "bedrooms": 3,
		"living_rooms": 1, "bathrooms": 2, "area_sqm": 88.25, "orientation": "南北", "floor": "12/18", "price": 9800,
		"deposit": 19600, "min_months": 2, "facilities": []string{"wifi", "fridge", "ac"}, "highlights": "精装",
		"traffic": "13号线", "reference": "BJ-0001"})["id"].(string)
	landlord.Must(http.StatusCreated, "POST", "/listings/"+full+"/images", map[string]any{"url": "https://img.example.com/1.jpg"})
	second := landlord.Must(http.StatusCreated, "POST", "/listings/"+full+"/images", map[string]any{"url": "https://img.example.com/2.jpg"})
	landlord.Must(http.StatusOK, "PUT", "/listings/"+full+"/cover", map[string]any{"image_id": second["id"]})
	landlord.Must(http.StatusOK, "POST", "/listings/"+full+"/publish", nil)
	bare := landlord.Must(http.StatusCreated, "POST", "/listings", map[string]any{"title": "草稿"})["id"].(string)

	base := sys.Open()
	defer base.Close()
	ctx := context.Background()
	// Three stays, reviewed 5, 4 and 4: a rating of 13/3, rounded to 4.33.
	for i, rating := range []int{5, 4, 4} {
		start := day(10 + 70*i)
		end := command.AddMonths(must(command.ParseDate(start)), 2).Format(events.DateLayout)
		o := tenant.Must(http.StatusCreated, "POST", "/orders", map[string]any{"listing_id": full, "start_date": start, "end_date": end})["id"].(string)
		landlord.Must(http.StatusOK, "POST", "/orders/"+o+"/accept", nil)
		tenant.Must(http.StatusOK, "POST", "/orders/"+o+"/pay", nil)
		if _, err := base.Pools.Writer.Exec(`UPDATE orders SET start_date = ?, end_date = ? WHERE id = UNHEX(REPLACE(?, '-', ''))`,
			day(-100+30*i), day(-80+30*i), o); err != nil {
			t.Fatal(err)
		}
		if n, err := system.NewStayJob(base, nil).RunOnce(ctx); err != nil || n != 1 {
			t.Fatalf("the stay is over: %d %v", n, err)
		}
		tenant.Must(http.StatusOK, "POST", "/orders/"+o+"/review", map[string]any{"rating": rating, "content": "好"})
	}

	rdb := testenv.Redis(t, testenv.RedisAddr())
	listings := check.Listings(mysql.NewStates(base.Pools.Writer, base.Catalog), base.RM)
	for _, id := range []string{full, bare} {
		want := normalized(t, listingOracle(t, base.Pools.Writer, id))
		// What the worker wrote, once it has the row's version.
		var written map[string]any
		testenv.Eventually(t, 10*time.Second, func() string {
			gen, _, err := base.RM.Generations(ctx, readmodel.Listings)
			if err != nil {
				return err.Error()
			}
			d, err := rdb.HGet(ctx, sys.Config.Prefix+"rm:listings:"+gen+":listing:"+id, "d").Result()
			if err != nil {
				return "no document yet: " + err.Error()
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(d), &doc); err != nil {
				return err.Error()
			}
			if written = normalized(t, doc); written["version"] != want["version"] {
				return fmt.Sprintf("document at version %v, the row at %v", written["version"], want["version"])
			}
			return ""
		})
		if diff := differences(written, want); len(diff) > 0 {
			t.Errorf("listing %s: the projector's document differs from the row:\n%s", id, strings.Join(diff, "\n"))
		}
		// What the check expects for the row.
		exp, err := listings.ExpectIDs(ctx, []string{id})
		if err != nil || len(exp) != 1 {
			t.Fatalf("the check's expectation of %s: %v %v", id, exp, err)
		}
		var expected map[string]any
		if err := json.Unmarshal(exp[0].Document(), &expected); err != nil {
			t.Fatal(err)
		}
		if diff := differences(normalized(t, expected), want); len(diff) > 0 {
			t.Errorf("listing %s: the check expects a document that differs from the row:\n%s", id, strings.Join(diff, "\n"))
		}
	}
	// The oracle is not vacuous: the full listing has what was set.
	want := listingOracle(t, base.Pools.Writer, full)
	if want["rating"] != 4.33 || want["reviews"] != int64(3) || want["bookings"] != int64(3) || want["cover_image"] != "https://img.example.com/2.jpg" ||
		want["district_name"] == "" || len(want["facilities"].([]any)) != 3 || want["published_at"] == nil {
		t.Fatalf("the row is not the listing the test made: %v", want)
	}
}
