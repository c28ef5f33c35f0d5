package oldsite

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zufang/rental"
	"github.com/zufang/rental/command"
)

// House is a house_info row parsed into what the platform stores.
//
// The old site's models.py defines house_info as id, title, rooms, area,
// price, direction, rent_type, region, block, address, traffic,
// publish_time, facilities, highlights, matching, travel, page_views,
// landlord, phone_num, house_num. It served Beijing only, so region is a
// district of Beijing; block is the 商圈; address is the 小区 (community),
// not a street address (its "小区房源数量TOP20" chart groups by it and its
// search matches it); house_num is the listing's reference number (房源编号).
type House struct {
	OldID    string
	Number   string // house_num: the reference, and what makes two rows one listing
	Fields   command.ListingPatch
	Landlord Landlord
	// PublishedAt is the old publish time, zero when unknown (0 or NULL).
	PublishedAt time.Time
	PageViews   int64
	Problems    []string // the row cannot be imported: each says why
	Warnings    []string // imported, but something was left out
}

// Landlord is the account a listing's landlord gets, keyed by phone number.
type Landlord struct {
	Name  string
	Phone string // normalised to 11 digits
}

// User is a user_info row parsed. The old site's user_info is id, name,
// password, email, addr, collect_id, seen_id; it logged in by name, and the
// e-mail was optional.
type User struct {
	OldID    string
	Nickname string
	Email    string
	Password string // plain text, as the old site kept it
	Address  string
	// Favorites (collect_id, oldest first) and history (seen_id, most
	// recent first, at most HistorySize), imported once every house is in.
	Favorites []string
	Seen      []string
	Problems  []string
	Warnings  []string
}

// Parser turns old rows into typed ones using the platform's dictionaries.
type Parser struct {
	Catalog *rental.Catalog
	// City is the city of every house: the old site had no city column, as
	// it served one city. "" is Beijing, the old site's; --city sets another
	// for a copy of the site that served it. A region that is no district of
	// this city is refused, never moved to the city it belongs to.
	City string
}

// DefaultCity is the old site's city.
const DefaultCity = "beijing"

// HistorySize is how many listings the old site kept in seen_id.
const HistorySize = 20

// House parses a house_info row.
func (p Parser) House(r Row) House {
	h := House{OldID: r.Get("id"), Number: r.Get("house_num")}
	bad := func(format string, args ...any) { h.Problems = append(h.Problems, sprintf(format, args...)) }
	text := func(field, v string, max int, dst **string) {
		if v == "" {
			return
		}
		if utf8.RuneCountInString(v) > max {
			v = string([]rune(v)[:max])
			h.Warnings = append(h.Warnings, sprintf("%s cut to %d characters", field, max))
		}
		*dst = &v
	}
	f := &h.Fields
	if title := r.Get("title"); title == "" {
		bad("title is empty")
	} else {
		text("title", title, 100, &f.Title)
	}
	if n := utf8.RuneCountInString(h.Number); n > command.MaxReference {
		bad("house_num %q is longer than %d characters", h.Number, command.MaxReference)
	} else if h.Number != "" {
		f.Reference = &h.Number
	}
	if beds, living, baths, ok := Rooms(r.Get("rooms")); ok {
		f.Bedrooms, f.LivingRooms = &beds, &living
		if baths > 0 {
			f.Bathrooms = &baths
		}
	} else {
		bad("rooms %q is not like 2室1厅", r.Get("rooms"))
	}
	if area, ok := Area(r.Get("area")); ok {
		f.AreaSqm = &area
	} else {
		bad("area %q is not like 89平方米", r.Get("area"))
	}
	if price, ok := Price(r.Get("price")); ok {
		f.Price = &price
		deposit := price // the old site had none: a month, the usual
		f.Deposit = &deposit
	} else {
		bad("price %q is not a monthly rent like 5800元/月", r.Get("price"))
	}
	if rent, ok := RentType(r.Get("rent_type")); ok {
		f.RentType = &rent
	} else {
		bad("rent type %q is neither 整租 nor 合租", r.Get("rent_type"))
	}
	if city, district, problem := p.district(r.Get("region")); problem != "" {
		bad("%s", problem)
	} else {
		f.City, f.District = &city, &district
	}
	text("orientation", r.Get("direction"), 16, &f.Orientation)
	text("block", r.Get("block"), 64, &f.Block)
	text("community", r.Get("address"), 64, &f.Community) // the old address is the 小区
	text("traffic", r.Get("traffic"), 500, &f.Traffic)
	text("highlights", r.Get("highlights"), 500, &f.Highlights)
	// 配套 (what is around) and 出行 (getting about) have no fields of their own.
	var desc []string
	if m := r.Get("matching"); m != "" {
		desc = append(desc, "配套："+m)
	}
	if t := r.Get("travel"); t != "" {
		desc = append(desc, "出行："+t)
	}
	text("description", strings.Join(desc, "\n"), 5000, &f.Description)
	facilities, unknown := p.facilities(r.Get("facilities"))
	f.Facilities = &facilities
	for _, u := range unknown {
		h.Warnings = append(h.Warnings, sprintf("facility %q has no equivalent here: left out", u))
	}
	h.Landlord.Name = r.Get("landlord")
	if phone, ok := Mobile(halfWidth(r.Get("phone_num"))); ok {
		h.Landlord.Phone = phone
	} else {
		bad("landlord phone %q is not a mainland mobile number (the landlord's login)", r.Get("phone_num"))
	}
	if h.Landlord.Name == "" {
		h.Landlord.Name = "房东" + h.Landlord.Phone[max(0, len(h.Landlord.Phone)-4):]
	}
	switch t, ok := Timestamp(halfWidth(r.Get("publish_time"))); {
	case ok:
		h.PublishedAt = t
	case r.Get("publish_time") == "" || r.Get("publish_time") == "0":
		h.Warnings = append(h.Warnings, "publish time unknown (0 or NULL): published as of the import")
	default:
		h.Warnings = append(h.Warnings, sprintf("publish time %q unreadable: published as of the import", r.Get("publish_time")))
	}
	h.PageViews, _ = strconv.ParseInt(halfWidth(r.Get("page_views")), 10, 64)
	return h
}

// User parses a user_info row.
func (p Parser) User(r Row) User {
	u := User{OldID: r.Get("id"), Email: strings.ToLower(r.Get("email")), Address: r.Get("addr"),
		Favorites: IDs(r.Get("collect_id")), Seen: IDs(r.Get("seen_id"))}
	if v := r["password"]; v != nil {
		u.Password = *v // exactly as stored: spaces may be part of it
	}
	if u.Password == "" {
		u.Problems = append(u.Problems, "no password")
	}
	u.Nickname = r.Get("name")
	if u.Email == "" {
		// The old site logged in by name; here an account logs in by e-mail
		// or mobile, and the old site kept no mobile.
		u.Problems = append(u.Problems, sprintf("no email: the old site logged in by user name (%q), which this platform has no login for; an account here needs an e-mail", u.Nickname))
	}
	if len(u.Seen) > HistorySize {
		u.Warnings = append(u.Warnings, sprintf("seen_id names %d houses: the %d most recent are kept", len(u.Seen), HistorySize))
		u.Seen = u.Seen[:HistorySize]
	}
	switch n := utf8.RuneCountInString(u.Nickname); {
	case n == 0:
		u.Nickname = "用户" + u.OldID
		u.Warnings = append(u.Warnings, "no name: nickname "+u.Nickname)
	case n > 32:
		u.Nickname = string([]rune(u.Nickname)[:32])
		u.Warnings = append(u.Warnings, "name cut to 32 characters")
	}
	return u
}

var roomsPattern = regexp.MustCompile(`^([0-9]+|[一二两三四五六七八九十]+)\s*[室房](?:\s*([0-9]+|[零一二两三四五六七八九十]+)\s*厅)?(?:\s*([0-9]+|[零一二两三四五六七八九十]+)\s*卫)?$`)

// Rooms parses "2室1厅", "3房2厅1卫", "三室两厅", and 开间/单间 (a studio).
func Rooms(s string) (bedrooms, living, bathrooms int, ok bool) {
	s = strings.TrimSpace(halfWidth(s))
	if s == "开间" || s == "单间" || s == "studio" {
		return 0, 0, 0, true
	}
	m := roomsPattern.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, 0, false
	}
	num := func(v string) int {
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
		return chineseNumber(v)
	}
	bedrooms, living, bathrooms = num(m[1]), num(m[2]), num(m[3])
	if bedrooms > 20 || living > 10 || bathrooms > 10 {
		return 0, 0, 0, false
	}
	return bedrooms, living, bathrooms, true
}

func chineseNumber(s string) int {
	digits := map[rune]int{'零': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	n, tens := 0, false
	for _, c := range s {
		if c == '十' {
			n, tens = max(n, 1)*10, true
			continue
		}
		if tens {
			n += digits[c]
		} else {
			n = n*10 + digits[c]
		}
	}
	return n
}

var areaPattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*(平方米|平米|平|㎡|m²|m2|sqm)?$`)

// Area parses "89平方米", "18.5㎡", "45平米" or a bare number, in square metres.
func Area(s string) (float64, bool) {
	m := areaPattern.FindStringSubmatch(strings.TrimSpace(halfWidth(s)))
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 || v > command.MaxAreaSqm {
		return 0, false
	}
	return v, true
}

var pricePattern = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*(万)?\s*(?:元)?\s*(?:/\s*月|每月)?$`)

// Price parses a monthly rent: "5800元/月", "6,200元/月", "1.2万/月", "2300".
// 面议 (negotiable), and daily or weekly prices, are not monthly rents.
func Price(s string) (int64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(halfWidth(s)), ",", "")
	m := pricePattern.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return 0, false
	}
	if m[2] == "万" {
		v *= 10000
	}
	p := int64(v + 0.5)
	if p <= 0 || p > command.MaxPrice {
		return 0, false
	}
	return p, true
}

// RentType maps 整租/合租 (or the codes) to whole/shared.
func RentType(s string) (string, bool) {
	switch strings.TrimSpace(s) {
	case "整租", "whole":
		return command.RentWhole, true
	case "合租", "shared":
		return command.RentShared, true
	}
	return "", false
}

var mobileDigits = regexp.MustCompile(`^1[3-9][0-9]{9}$`)

// Mobile normalises a mainland mobile number ("+86 138-0013-8001" → 13800138001).
func Mobile(s string) (string, bool) {
	s = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(strings.TrimPrefix(s, "+86"), "0086")
	return s, mobileDigits.MatchString(s)
}

// Timestamp reads unix seconds or a date ("2019-05-01", "2019-05-01 12:00:00"), as UTC.
func Timestamp(s string) (time.Time, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n > 0 {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.DateTime, time.DateOnly, "2006/01/02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// halfWidth folds full-width forms (２室１厅, ５８００元／月, ８９㎡ typed
// with a Chinese input method) to their ASCII characters, and the
// ideographic space to a space.
func halfWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\uFF01' && r <= '\uFF5E':
			return r - 0xFEE0
		case r == '\u3000':
			return ' '
		}
		return r
	}, s)
}

// IDs splits "1,2,11" into ids, dropping blanks.
func IDs(s string) []string {
	var out []string
	for _, id := range strings.FieldsFunc(halfWidth(s), func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, id)
	}
	return out
}

// district finds the district of the parser's city a region name ("海淀",
// "海淀区", "haidian") means. A district of another city is refused: the
// old site served one city, so such a row is a mistake, not a move.
func (p Parser) district(region string) (string, string, string) {
	city := p.City
	if city == "" {
		city = DefaultCity
	}
	if region == "" {
		return "", "", "region is empty"
	}
	var elsewhere []string
	for _, c := range p.Catalog.Cities() {
		for _, d := range c.Districts {
			if d.Name != region && trimDistrict(d.Name) != trimDistrict(region) && d.Code != region {
				continue
			}
			if c.Code == city {
				return c.Code, d.Code, ""
			}
			elsewhere = append(elsewhere, c.Code)
		}
	}
	if len(elsewhere) > 0 {
		return "", "", sprintf("region %q is no district of %s but of %s: refused, not moved (the old site served one city; --city names it)",
			region, city, strings.Join(elsewhere, ", "))
	}
	return "", "", sprintf("region %q is no district of %s", region, city)
}

func trimDistrict(name string) string {
	for _, suffix := range []string{"新区", "区", "县", "市"} {
		if trimmed, ok := strings.CutSuffix(name, suffix); ok && trimmed != "" {
			return trimmed
		}
	}
	return name
}

// facilitySynonyms are names the old site used for facilities the dictionary
// names otherwise (its page labels broadband "Wi-Fi"), lower-cased.
var facilitySynonyms = map[string]string{"wi-fi": "宽带", "wifi": "宽带", "无线网": "宽带", "网络": "宽带", "燃气": "天然气",
	"煤气": "天然气", "热水": "热水器", "冷气": "空调", "床铺": "床"}

// wiFi is the one facility name with the separator in it.
var wiFi = regexp.MustCompile(`(?i)wi-fi`)

// facilities maps "冰箱-洗衣机-空调" to facility codes; names with no
// equivalent are returned apart.
func (p Parser) facilities(s string) (codes, unknown []string) {
	codes = []string{}
	byName := map[string]string{}
	for _, f := range p.Catalog.Facilities() {
		byName[f.Name] = f.Code
	}
	s = wiFi.ReplaceAllString(halfWidth(s), "WiFi") // before "-" splits it in two
	for _, name := range strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == ',' || r == '、' || r == '/' || r == ' ' }) {
		if syn, ok := facilitySynonyms[strings.ToLower(name)]; ok {
			name = syn
		}
		code, ok := byName[name]
		if !ok {
			unknown = append(unknown, name)
			continue
		}
		codes = append(codes, code)
	}
	return codes, unknown
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
