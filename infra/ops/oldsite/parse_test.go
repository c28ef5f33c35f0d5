package oldsite_test

import (
	"slices"
	"strings"
	"testing"

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
		"direction", "南北", "rent_type", "整租", "region", "海淀", "phone_num", "13800138001", "landlord", "王先生",
		"facilities", "冰箱-WiFi-阳台", "matching", "超市", "travel", "地铁", "publish_time", "1556668800", "page_views", "12"))
	f := good.Fields
	if len(good.Problems) != 0 || *f.City != "beijing" || *f.District != "haidian" || *f.Bedrooms != 2 || *f.Price != 5800 ||
		*f.AreaSqm != 89 || *f.RentType != "whole" || !slices.Equal(*f.Facilities, []string{"fridge", "wifi"}) ||
		*f.Description != "配套：超市\n出行：地铁" || good.Landlord.Phone != "13800138001" || good.PageViews != 12 || good.PublishedAt.Year() != 2019 {
		t.Fatalf("good row: %+v %+v", good, f)
	}
	if len(good.Warnings) != 1 || !strings.Contains(good.Warnings[0], "阳台") {
		t.Fatalf("an unknown facility is a warning: %v", good.Warnings)
	}
	bad := p.House(row("id", "2", "rooms", "豪宅", "price", "面议", "rent_type", "短租", "region", "火星", "phone_num", "12345"))
	if len(bad.Problems) != 7 { // title, rooms, area, price, rent type, region, phone
		t.Fatalf("every problem is reported: %v", bad.Problems)
	}
	// 朝阳 is a district of two cities here: only --city decides.
	if amb := p.House(row("region", "朝阳")); !slices.ContainsFunc(amb.Problems, func(s string) bool { return strings.Contains(s, "several cities") }) {
		t.Fatalf("an ambiguous district: %v", amb.Problems)
	}
	p.City = "beijing"
	if h := p.House(row("region", "朝阳")); *h.Fields.City != "beijing" || *h.Fields.District != "chaoyang" {
		t.Fatalf("with --city: %+v", h.Fields)
	}
	if h := p.House(row("region", "浦东")); h.Fields.City != nil {
		t.Fatal("with --city beijing, 浦东 is not a district")
	}
}
