package oldsite_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/infra/ops/oldsite"
)

var cat = rental.NewCatalog([]rental.City{
	{Code: "beijing", Name: "北京", Districts: []rental.District{{Code: "haidian", Name: "海淀区"}, {Code: "chaoyang", Name: "朝阳区"}}},
	{Code: "shanghai", Name: "上海", Districts: []rental.District{{Code: "pudong", Name: "浦东新区"}}},
	{Code: "changchun", Name: "长春", Districts: []rental.District{{Code: "chaoyang", Name: "朝阳区"}}},
}, []rental.Facility{{Code: "fridge", Name: "冰箱", Position: 0}, {Code: "wifi", Name: "宽带", Position: 1}, {Code: "gas", Name: "天然气", Position: 2}})

func TestRooms(t *testing.T) {
	for in, want := range map[string][3]int{
		"2室1厅": {2, 1, 0}, "3室1厅1卫": {3, 1, 1}, "3房2厅": {3, 2, 0}, "三室两厅": {3, 2, 0}, "1室0厅": {1, 0, 0},
		"十二室": {12, 0, 0}, "开间": {0, 0, 0}, " 4室 2厅 2卫 ": {4, 2, 2},
	} {
		b, l, w, ok := oldsite.Rooms(in)
		if !ok || [3]int{b, l, w} != want {
			t.Errorf("%q: %d %d %d %v, want %v", in, b, l, w, ok, want)
		}
	}
	for _, in := range []string{"", "豪宅", "2厅", "99室", "2室1厅1厨"} {
		if _, _, _, ok := oldsite.Rooms(in); ok {
			t.Errorf("%q must not parse", in)
		}
	}
}

func TestAreaAndPrice(t *testing.T) {
	for in, want := range map[string]float64{"89平方米": 89, "18.5㎡": 18.5, "45平米": 45, "60": 60, "72m²": 72, "100 平方米": 100} {
		if got, ok := oldsite.Area(in); !ok || got != want {
			t.Errorf("area %q: %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "大", "0平方米", "-3", "20000平方米"} {
		if _, ok := oldsite.Area(in); ok {
			t.Errorf("area %q must not parse", in)
		}
	}
	for in, want := range map[string]int64{"5800元/月": 5800, "6,200元/月": 6200, "2300": 2300, "1.2万/月": 12000, "3500元": 3500, "4000 元/月": 4000} {
		if got, ok := oldsite.Price(in); !ok || got != want {
			t.Errorf("price %q: %v %v", in, got, ok)
		}
	}
	for _, in := range []string{"面议", "", "300元/天", "800元/周", "0", "abc元/月"} {
		if _, ok := oldsite.Price(in); ok {
			t.Errorf("price %q is no monthly rent", in)
		}
	}
}

func TestMobileRentTypeAndIDs(t *testing.T) {
	for in, want := range map[string]string{"13800138001": "13800138001", "138 0013 8001": "13800138001", "+86 139-0013-9002": "13900139002"} {
		if got, ok := oldsite.Mobile(in); !ok || got != want {
			t.Errorf("mobile %q: %q %v", in, got, ok)
		}
	}
	for _, in := range []string{"12345", "010-12345678", ""} {
		if _, ok := oldsite.Mobile(in); ok {
			t.Errorf("%q is no mobile", in)
		}
	}
	if r, ok := oldsite.RentType("合租"); !ok || r != "shared" {
		t.Errorf("合租: %q", r)
	}
	if _, ok := oldsite.RentType("短租"); ok {
		t.Error("短租 is neither")
	}
	if ids := oldsite.IDs("1, 2,,11，4"); !slices.Equal(ids, []string{"1", "2", "11", "4"}) {
		t.Errorf("ids %v", ids)
	}
}

func row(kv ...string) oldsite.Row {
	r := oldsite.Row{}
	for i := 0; i+1 < len(kv); i += 2 {
		v := kv[i+1]
		r[kv[i]] = &v
	}
	return r
}

func TestHouse_parsesAGoodRowAndReportsEveryProblem(t *testing.T) {
	p := oldsite.Parser{Catalog: cat}
	good := p.House(row("id", "1", "title", "海淀 两居", "rooms", "2室1厅", "area", "89平方米", "price", "5800元/月",
		"direction", "南北", "rent_type", "整租", "region", "海淀", "block", "中关村", "address", "华清嘉园", "phone_num", "13800138001", "landlord", "王先生",
		"facilities", "冰箱-Wi-Fi-阳台", "matching", "超市", "travel", "地铁", "publish_time", "1556668800", "page_views", "12",
		"house_num", "BJ2019050100001"))
	f := good.Fields
	if len(good.Problems) != 0 || *f.City != "beijing" || *f.District != "haidian" || *f.Bedrooms != 2 || *f.Price != 5800 ||
		*f.AreaSqm != 89 || *f.RentType != "whole" || !slices.Equal(*f.Facilities, []string{"fridge", "wifi"}) ||
		*f.Description != "配套：超市\n出行：地铁" || good.Landlord.Phone != "13800138001" || good.PageViews != 12 || good.PublishedAt.Year() != 2019 {
		t.Fatalf("good row: %+v %+v", good, f)
	}
	// address is the old site's 小区; house_num its reference number.
	if *f.Block != "中关村" || f.Community == nil || *f.Community != "华清嘉园" || f.Address != nil ||
		f.Reference == nil || *f.Reference != "BJ2019050100001" || good.Number != "BJ2019050100001" {
		t.Fatalf("address is the community, house_num the reference: %+v", f)
	}
	if len(good.Warnings) != 1 || !strings.Contains(good.Warnings[0], "阳台") {
		t.Fatalf("an unknown facility is a warning: %v", good.Warnings)
	}
	bad := p.House(row("id", "2", "rooms", "豪宅", "price", "面议", "rent_type", "短租", "region", "火星", "phone_num", "12345"))
	if len(bad.Problems) != 7 { // title, rooms, area, price, rent type, region, phone
		t.Fatalf("every problem is reported: %v", bad.Problems)
	}
}

func TestHouse_theCityIsBeijingUnlessSaidAndAnotherCitysDistrictIsRefused(t *testing.T) {
	p := oldsite.Parser{Catalog: cat}
	// 朝阳 is a district of Beijing and of Changchun: the old site was Beijing's.
	if h := p.House(row("region", "朝阳")); h.Fields.City == nil || *h.Fields.City != "beijing" || *h.Fields.District != "chaoyang" {
		t.Fatalf("without --city the city is Beijing: %+v %v", h.Fields, h.Problems)
	}
	h := p.House(row("region", "浦东"))
	if h.Fields.City != nil || !slices.ContainsFunc(h.Problems, func(s string) bool {
		return strings.Contains(s, `region "浦东" is no district of beijing but of shanghai`) && strings.Contains(s, "not moved")
	}) {
		t.Fatalf("a district of another city is refused, not moved: %+v %v", h.Fields, h.Problems)
	}
	p.City = "changchun"
	if h := p.House(row("region", "朝阳区")); *h.Fields.City != "changchun" || *h.Fields.District != "chaoyang" {
		t.Fatalf("with --city: %+v", h.Fields)
	}
	if h := p.House(row("region", "海淀")); h.Fields.City != nil {
		t.Fatal("with --city changchun, 海淀 is not a district")
	}
}

func TestHouse_readsFullWidthDigitsWiFiAndAnUnknownPublishTime(t *testing.T) {
	p := oldsite.Parser{Catalog: cat}
	h := p.House(row("id", "3", "title", "两居", "rooms", "２室１厅", "area", "８９．５平方米", "price", "５，８００元／月", "rent_type", "整租",
		"region", "海淀", "phone_num", "１３８００１３８００１", "facilities", "冰箱-WI-FI", "publish_time", "0", "page_views", "１２"))
	f := h.Fields
	if len(h.Problems) != 0 || *f.Bedrooms != 2 || *f.LivingRooms != 1 || *f.AreaSqm != 89.5 || *f.Price != 5800 ||
		h.Landlord.Phone != "13800138001" || h.PageViews != 12 || !slices.Equal(*f.Facilities, []string{"fridge", "wifi"}) {
		t.Fatalf("full-width digits and Wi-Fi: %+v %+v %v", h, f, h.Problems)
	}
	for _, publish := range []string{"0", ""} {
		h := p.House(row("publish_time", publish))
		if !h.PublishedAt.IsZero() || !slices.ContainsFunc(h.Warnings, func(s string) bool { return strings.Contains(s, "publish time unknown") }) {
			t.Errorf("publish time %q is unknown, not 1970: %v %v", publish, h.PublishedAt, h.Warnings)
		}
	}
	if h := p.House(row("publish_time", "1556668800")); !h.PublishedAt.Equal(time.Unix(1556668800, 0)) {
		t.Errorf("publish time in Unix seconds: %v", h.PublishedAt)
	}
	for in, want := range map[string][3]int{"２室１厅": {2, 1, 0}, "３室２厅１卫": {3, 2, 1}} {
		if b, l, w, ok := oldsite.Rooms(in); !ok || [3]int{b, l, w} != want {
			t.Errorf("%q: %d %d %d %v", in, b, l, w, ok)
		}
	}
}

func TestUser_withoutAnEmailIsReportedWithTheOldLoginAndAHistoryKeepsTwenty(t *testing.T) {
	p := oldsite.Parser{Catalog: cat}
	u := p.User(row("id", "8", "name", "eve", "password", "eve-secret-2019"))
	if len(u.Problems) != 1 || !strings.Contains(u.Problems[0], "no email") || !strings.Contains(u.Problems[0], `logged in by user name ("eve")`) {
		t.Fatalf("a user without an e-mail: %v", u.Problems)
	}
	seen := make([]string, 25)
	for i := range seen {
		seen[i] = strconv.Itoa(100 - i)
	}
	u = p.User(row("id", "9", "name", "frank", "password", "frank-secret-9", "email", "f@example.com", "collect_id", "3,1,2",
		"seen_id", strings.Join(seen, ",")))
	if len(u.Problems) != 0 || !slices.Equal(u.Favorites, []string{"3", "1", "2"}) || !slices.Equal(u.Seen, seen[:20]) ||
		!slices.ContainsFunc(u.Warnings, func(s string) bool { return strings.Contains(s, "seen_id names 25 houses") }) {
		t.Fatalf("collect_id in order, seen_id's 20 most recent: %+v", u)
	}
}

// Every reason the import's report lists (docs/OPERATIONS.md, "Importing the
// old site"), each from a good row with one column changed: a refusal keeps
// the row out and names the column, a warning lets it in and says what was
// left out. Nothing else is reported for that row.
func TestHouseAndUser_eachListedRefusalAndWarning(t *testing.T) {
	p := oldsite.Parser{Catalog: cat}
	house := func(kv ...string) oldsite.House {
		base := map[string]string{"id": "9", "title": "海淀 两居", "rooms": "2室1厅", "area": "89平方米", "price": "5800元/月",
			"rent_type": "整租", "region": "海淀", "phone_num": "13800138001", "facilities": "冰箱-Wi-Fi", "publish_time": "1556668800",
			"house_num": "BJ1"}
		for i := 0; i+1 < len(kv); i += 2 {
			base[kv[i]] = kv[i+1]
		}
		var flat []string
		for k, v := range base {
			flat = append(flat, k, v)
		}
		return p.House(row(flat...))
	}
	if good := house(); len(good.Problems) != 0 || len(good.Warnings) != 0 {
		t.Fatalf("the base row is clean: %v %v", good.Problems, good.Warnings)
	}
	for _, c := range []struct {
		column, value string
		refused       bool
		reason        string
	}{
		{"title", "", true, "title is empty"},
		{"house_num", strings.Repeat("号", 65), true, "is longer than 64 characters"},
		{"rooms", "豪宅", true, `rooms "豪宅" is not like 2室1厅`},
		{"area", "大", true, `area "大" is not like 89平方米`},
		{"price", "面议", true, `price "面议" is not a monthly rent`},
		{"rent_type", "短租", true, `rent type "短租" is neither 整租 nor 合租`},
		{"region", "", true, "region is empty"},
		{"region", "火星", true, `region "火星" is no district of beijing`},
		{"region", "浦东", true, `region "浦东" is no district of beijing but of shanghai: refused, not moved`},
		{"phone_num", "12345", true, `landlord phone "12345" is not a mainland mobile number`},
		{"title", strings.Repeat("房", 101), false, "title cut to 100 characters"},
		{"facilities", "冰箱-阳台", false, `facility "阳台" has no equivalent here: left out`},
		{"publish_time", "0", false, "publish time unknown (0 or NULL): published as of the import"},
		{"publish_time", "", false, "publish time unknown (0 or NULL): published as of the import"},
		{"publish_time", "昨天", false, `publish time "昨天" unreadable: published as of the import`},
	} {
		h := house(c.column, c.value)
		got, other := h.Problems, h.Warnings
		if !c.refused {
			got, other = h.Warnings, h.Problems
		}
		if len(got) != 1 || !strings.Contains(got[0], c.reason) || len(other) != 0 {
			t.Errorf("%s %q: problems %q warnings %q, want only %q (refused %v)", c.column, c.value, h.Problems, h.Warnings, c.reason, c.refused)
		}
	}

	user := func(kv ...string) oldsite.User {
		base := map[string]string{"id": "7", "name": "小王", "password": "old-pass", "email": "w@example.com"}
		for i := 0; i+1 < len(kv); i += 2 {
			base[kv[i]] = kv[i+1]
		}
		var flat []string
		for k, v := range base {
			flat = append(flat, k, v)
		}
		return p.User(row(flat...))
	}
	if good := user(); len(good.Problems) != 0 || len(good.Warnings) != 0 {
		t.Fatalf("the base user is clean: %v %v", good.Problems, good.Warnings)
	}
	var seen []string
	for i := range 25 {
		seen = append(seen, strconv.Itoa(i+1))
	}
	for _, c := range []struct {
		column, value string
		refused       bool
		reason        string
	}{
		{"password", "", true, "no password"},
		{"email", "", true, `no email: the old site logged in by user name ("小王")`},
		{"seen_id", strings.Join(seen, ","), false, "seen_id names 25 houses: the 20 most recent are kept"},
		{"name", "", false, "no name: nickname 用户7"},
		{"name", strings.Repeat("名", 33), false, "name cut to 32 characters"},
	} {
		u := user(c.column, c.value)
		got, other := u.Problems, u.Warnings
		if !c.refused {
			got, other = u.Warnings, u.Problems
		}
		if len(got) != 1 || !strings.Contains(got[0], c.reason) || len(other) != 0 {
			t.Errorf("user %s %q: problems %q warnings %q, want only %q (refused %v)", c.column, c.value, u.Problems, u.Warnings, c.reason, c.refused)
		}
	}
}
