package web

import (
	"fmt"
	"html"
	"html/template"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/zufang/rental"
	"github.com/zufang/rental/events"
)

// funcs are the template functions every page may use.
func (p *pages) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       p.assets.url,
		"cityOptions": p.cityOptions,
		"thumb":       thumb,
		"money":       money,
		"monthly":     func(n int64) string { return money(n) + "/月" },
		"orderState":  orderState,
		"date":        date,
		"datetime":    datetime,
		"layout":      roomLayout,
		"rentType":    rentType,
		"area":        area,
		"facility":    p.facilityName,
		"facilities":  func() any { return p.facilities },
		"field":       field,
		"dict":        dict,
		"add":         func(a, b int) int { return a + b },
		"seq":         seq,
		"percent":     func(f float64) string { return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%" },
		"rating":      func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"stars": func(n int) string {
			return strings.Repeat("★", max(0, min(n, 5))) + strings.Repeat("☆", 5-max(0, min(n, 5)))
		},
	}
}

// cityOptions is the top bar's city list with current selected, drawn once
// per city when the pages are mounted: the layout of every page draws it,
// and a range over the cities in the template cost ~10 µs a page.
func (p *pages) cityOptions(current string) template.HTML {
	if h, ok := p.cityHTML[current]; ok {
		return h
	}
	return p.cityHTML[""]
}

func (p *pages) drawCityOptions() {
	p.cityHTML = map[string]template.HTML{}
	for _, current := range append([]string{""}, cityCodes(p.cities)...) {
		var b strings.Builder
		for _, c := range p.cities {
			b.WriteString(`<option value="` + html.EscapeString(c.Code) + `"`)
			if c.Code == current {
				b.WriteString(" selected")
			}
			b.WriteString(">" + html.EscapeString(c.Name) + "</option>")
		}
		p.cityHTML[current] = template.HTML(b.String()) // escaped above
	}
}

func cityCodes(cities []rental.City) []string {
	out := make([]string, len(cities))
	for i, c := range cities {
		out[i] = c.Code
	}
	return out
}

// Sizes of a photo the store serves (infra/photos).
const (
	SizeCard   = "card"
	SizeDetail = "detail"
	SizeFull   = "full"
)

// thumb returns a photo's URL at a size: a photo of our store (/photos/...)
// gets ?s=<size>, so a results page does not pull full-size photos; another
// URL (an imported one) is returned unchanged.
func thumb(url, size string) string {
	if !strings.HasPrefix(url, "/photos/") || strings.Contains(url, "?") {
		return url
	}
	return url + "?s=" + size
}

// money formats yuan with thousands separators: ￥7,800.
func money(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	b.WriteString("￥")
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// orderStates name each order status in Chinese.
var orderStates = map[string]string{
	events.OrderStatusWaitAccept:  "待房东确认",
	events.OrderStatusWaitPayment: "待支付",
	events.OrderStatusPaid:        "已支付",
	events.OrderStatusWaitComment: "待评价",
	events.OrderStatusComplete:    "已完成",
	events.OrderStatusRejected:    "已拒绝",
	events.OrderStatusCanceled:    "已取消",
}

func orderState(s string) string {
	if n, ok := orderStates[s]; ok {
		return n
	}
	return s
}

// chinaTime is the zone dates are shown in.
var chinaTime = time.FixedZone("CST", 8*3600)

// date formats a time (in China) or an ISO date string as 2026年1月2日.
func date(v any) string {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x.In(chinaTime)
	case *time.Time:
		if x == nil {
			return ""
		}
		t = x.In(chinaTime)
	case string:
		var err error
		if t, err = time.Parse(events.DateLayout, x); err != nil {
			return x
		}
	default:
		return fmt.Sprint(v)
	}
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// datetime formats a time in China as 2026-01-02 15:04.
func datetime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(chinaTime).Format("2006-01-02 15:04")
}

// roomLayout is the 户型: 2室1厅1卫.
func roomLayout(l events.ListingState) string {
	s := strconv.Itoa(l.Bedrooms) + "室" + strconv.Itoa(l.LivingRooms) + "厅"
	if l.Bathrooms > 0 {
		s += strconv.Itoa(l.Bathrooms) + "卫"
	}
	return s
}

// rentTypes name the rent types the data holds.
var rentTypes = map[string]string{"whole": "整租", "shared": "合租"}

func rentType(code string) string {
	if n, ok := rentTypes[code]; ok {
		return n
	}
	return code
}

// area formats square metres: 89.5㎡.
func area(sqm float64) string { return strconv.FormatFloat(sqm, 'f', -1, 64) + "㎡" }

func (p *pages) facilityName(code string) string {
	if f, ok := p.facility[code]; ok {
		return f.Name
	}
	return code
}

// fieldView is what the "_field" fragment draws: a labelled input whose
// message, if any, is tied to it (aria-describedby).
type fieldView struct {
	Name, Label, Type, Value, Error, Hint string
	Required                              bool
	Attrs                                 template.HTMLAttr
}

// field describes one input of a form: field .Form "price" "月租金（元）" "number".
// Extra arguments: "required", "hint=...", or raw attributes such as `min="0"`.
func field(f Form, name, label, typ string, extra ...string) fieldView {
	v := fieldView{Name: name, Label: label, Type: typ, Value: f.Get(name), Error: f.Error(name)}
	var attrs []string
	for _, x := range extra {
		switch {
		case x == "required":
			v.Required = true
		case strings.HasPrefix(x, "hint="):
			v.Hint = strings.TrimPrefix(x, "hint=")
		default:
			attrs = append(attrs, x)
		}
	}
	v.Attrs = template.HTMLAttr(strings.Join(attrs, " ")) // attributes are written in templates, never taken from a request
	return v
}

// dict builds a map for a fragment: dict "Listing" . "Size" "card".
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict needs pairs, got %d values", len(kv))
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// seq is 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
