package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zufang/rental/infra/testing/testenv"
)

func TestHome_showsTheCityCountsSectionsAndSearchBox(t *testing.T) {
	sys := testenv.StartSystem(t, testenv.Options{})
	landlord, _ := sys.Register("home-landlord@example.com", "landlord")
	publish(t, sys, landlord, flat("海淀 阳光两居", 6800, "haidian", 2))
	publish(t, sys, landlord, flat("朝阳 精装一居", 7800, "chaoyang", 1))

	b := newBrowser(t, sys)
	p := b.must(http.StatusOK, "/?city=beijing")
	p.contains(t, `<html lang="zh-CN">`, "在北京找房", `id="city-total"`, "共 2 套在租房源",
		`id="search-mode"`, "地区/商圈/小区/标题", "户型", `id="search-keyword"`,
		"热门房源", "浏览最多", "最新房源", "海淀 阳光两居", "海淀区-中关村", "2室1厅1卫 · 80㎡", "￥7,800/月", "热度",
		`data-city="shanghai"`, "登录", "注册")
	// Every city of the areas is in the switcher.
	for _, city := range []string{"北京", "上海", "广州", "深圳", "成都"} {
		if !strings.Contains(p.Body, ">"+city+"<") && !strings.Contains(p.Body, ">"+city+" <") {
			t.Fatalf("the city switcher lacks %s", city)
		}
	}
	// The chosen city is remembered.
	b.must(http.StatusOK, "/?city=shanghai")
	b.must(http.StatusOK, "/").contains(t, "在上海找房", "共 0 套在租房源")
}
