package demo

import (
	"strings"

	"github.com/zufang/rental"
)

// blocksByDistrict are real 商圈 of each district, so that a demo card reads
// 朝阳区-望京 and never 朝阳区-春熙路. A district missing here gets its own
// centre (districtCentre).
var blocksByDistrict = map[string][]string{
	"beijing/dongcheng": {"王府井", "东直门", "崇文门"}, "beijing/xicheng": {"西单", "金融街", "德胜门"},
	"beijing/chaoyang": {"望京", "国贸", "三里屯", "双井"}, "beijing/haidian": {"中关村", "五道口", "公主坟"},
	"beijing/fengtai": {"丽泽", "方庄", "科技园区"}, "beijing/shijingshan": {"八角", "鲁谷"},
	"beijing/tongzhou": {"北苑", "梨园"}, "beijing/changping": {"回龙观", "天通苑"},
	"beijing/daxing": {"亦庄", "黄村"}, "beijing/shunyi": {"后沙峪", "马坡"},
	"beijing/fangshan": {"良乡", "长阳"},
	"shanghai/huangpu": {"人民广场", "外滩", "新天地"}, "shanghai/xuhui": {"徐家汇", "田林"},
	"shanghai/changning": {"中山公园", "虹桥"}, "shanghai/jingan": {"静安寺", "南京西路"},
	"shanghai/putuo": {"长风", "真如"}, "shanghai/hongkou": {"北外滩", "四川北路"},
	"shanghai/yangpu": {"五角场", "控江路"}, "shanghai/pudong": {"陆家嘴", "张江", "世纪公园"},
	"shanghai/minhang": {"莘庄", "七宝"}, "shanghai/baoshan": {"大场", "顾村"},
	"guangzhou/yuexiu": {"北京路", "东山口"}, "guangzhou/tianhe": {"天河北", "珠江新城", "岗顶"},
	"guangzhou/haizhu": {"江南西", "客村"}, "guangzhou/liwan": {"上下九", "芳村"},
	"guangzhou/baiyun": {"白云大道", "同和"}, "guangzhou/panyu": {"市桥", "大石"},
	"shenzhen/futian": {"车公庙", "华强北", "香蜜湖"}, "shenzhen/luohu": {"东门", "国贸"},
	"shenzhen/nanshan": {"科技园", "后海", "蛇口"}, "shenzhen/baoan": {"宝安中心", "西乡"},
	"shenzhen/longgang": {"布吉", "坂田"}, "shenzhen/longhua": {"民治", "龙华中心"},
	"chengdu/jinjiang": {"春熙路", "东大街"}, "chengdu/qingyang": {"宽窄巷子", "光华村"},
	"chengdu/jinniu": {"营门口", "茶店子"}, "chengdu/wuhou": {"红牌楼", "玉林"},
	"chengdu/chenghua": {"建设路", "理工大"}, "chengdu/gaoxin": {"高新南", "金融城"},
}

// blocksOf are the 商圈 a demo listing in the district may be in.
func blocksOf(city rental.City, district rental.District) []string {
	if b := blocksByDistrict[city.Code+"/"+district.Code]; len(b) > 0 {
		return b
	}
	return []string{districtCentre(district.Name)}
}

// districtCentre names a district's centre: 怀柔区 → 怀柔城区.
func districtCentre(name string) string {
	return strings.TrimSuffix(strings.TrimSuffix(name, "区"), "县") + "城区"
}
