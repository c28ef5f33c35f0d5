// Package demo generates plausible listings for a fresh installation, so a
// newcomer has something to browse and search right after `make up`.
package demo

import (
	"fmt"
	"math/rand/v2"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

var (
	communities = []string{"阳光花园", "金色家园", "翠湖小区", "华府名邸", "东方明珠苑", "绿城公寓", "锦绣江南",
		"万科城", "保利花园", "碧桂园", "中海名城", "龙湖天街", "世纪城", "幸福里", "丽景湾"}
	orientation = []string{"南", "南北", "东", "西", "东南", "西南", "北"}
	highlights  = []string{"近地铁", "精装修", "拎包入住", "随时看房", "南北通透", "采光好", "安静"}
	traffic     = []string{"步行5分钟到地铁站", "距地铁站800米", "多条公交线路", "近高速入口"}
)

// Listing returns the fields of a complete, publishable demo listing.
func Listing(r *rand.Rand, cat *rental.Catalog) command.ListingPatch {
	cities := cat.Cities()
	city := cities[r.IntN(len(cities))]
	district := city.Districts[r.IntN(len(city.Districts))]
	bedrooms := 1 + r.IntN(4)
	living := r.IntN(3)
	rent := command.RentWhole
	if r.IntN(3) == 0 {
		rent = command.RentShared
	}
	area := float64(20+bedrooms*18+r.IntN(40)) + float64(r.IntN(100))/100
	price := int64(1500 + bedrooms*1200 + r.IntN(60)*100)
	if rent == command.RentShared {
		price = price / 3
	}
	community := communities[r.IntN(len(communities))]
	blocks := blocksOf(city, district)
	block := blocks[r.IntN(len(blocks))]
	rentName := map[string]string{command.RentWhole: "整租", command.RentShared: "合租"}[rent]
	title := fmt.Sprintf("%s·%s %d室%d厅 %s", rentName, community, bedrooms, living, highlights[r.IntN(len(highlights))])
	var facilities []string
	for _, f := range cat.Facilities() {
		if r.IntN(2) == 0 {
			facilities = append(facilities, f.Code)
		}
	}
	deposit := price
	minMonths := []int{1, 3, 6, 12}[r.IntN(4)]
	floor := fmt.Sprintf("%d/%d层", 1+r.IntN(20), 20+r.IntN(10))
	desc := fmt.Sprintf("%s%s，%s，%d室%d厅%d卫，面积%.0f平米。", city.Name, district.Name, community, bedrooms, living, 1+r.IntN(2), area)
	hl := highlights[r.IntN(len(highlights))] + "," + highlights[r.IntN(len(highlights))]
	tr := traffic[r.IntN(len(traffic))]
	o := orientation[r.IntN(len(orientation))]
	bathrooms := 1 + r.IntN(2)
	return command.ListingPatch{
		Title: &title, Description: &desc, City: &city.Code, District: &district.Code, Block: &block,
		Community: &community, Address: ptr(fmt.Sprintf("%s%d号", community, 1+r.IntN(300))), RentType: &rent,
		Bedrooms: &bedrooms, LivingRooms: &living, Bathrooms: &bathrooms, AreaSqm: &area, Orientation: &o,
		Floor: &floor, Price: &price, Deposit: &deposit, MinMonths: &minMonths, Facilities: &facilities,
		Highlights: &hl, Traffic: &tr,
	}
}

func ptr[T any](v T) *T { return &v }
