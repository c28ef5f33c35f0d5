package web

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// The district charts of the detail page, drawn on the server as SVG: no
// chart library, nothing to download, and they show without JavaScript.
// Every mark has a <title>: the browser's tooltip, which app.js also draws
// at once under the pointer.

// districtStats is query.DistrictStats' answer.
type districtStats struct {
	CityName     string       `json:"city_name"`
	DistrictName string       `json:"district_name"`
	Listings     int          `json:"listings"`
	Points       [][2]float64 `json:"points"`
	Trend        *trendLine   `json:"trend"`
	Bedrooms     []struct {
		Bedrooms int     `json:"bedrooms"`
		Count    int64   `json:"count"`
		Share    float64 `json:"share"`
		AvgPrice int64   `json:"avg_price"`
	} `json:"bedrooms"`
	Communities []struct {
		Name  string `json:"name"`
		Count int64  `json:"count"`
	} `json:"communities"`
}

// trendLine is price = Slope × area + Intercept, fitted by least squares
// over every listing of the district (query.DistrictStats).
type trendLine struct {
	Slope     float64 `json:"slope"`
	Intercept float64 `json:"intercept"`
}

func (t trendLine) at(x float64) float64 { return t.Slope*x + t.Intercept }

// districtCharts are the four charts, ready to draw.
type districtCharts struct {
	District    string
	Listings    int
	Scatter     template.HTML
	Bedrooms    template.HTML
	Communities template.HTML
	Prices      template.HTML
	TrendText   string // the fitted line in words
}

func newDistrictCharts(st districtStats, l listingView) *districtCharts {
	d := &districtCharts{District: st.DistrictName, Listings: st.Listings}
	if len(st.Points) == 0 {
		return d
	}
	d.Scatter = scatterChart(st.Points, st.Trend, [2]float64{l.AreaSqm, float64(l.Price)})
	if st.Trend != nil {
		d.TrendText = fmt.Sprintf("趋势线：月租 ≈ %s × 面积 %s %s", trimFloat(st.Trend.Slope), sign(st.Trend.Intercept), trimFloat(math.Abs(st.Trend.Intercept)))
	}
	var shares []slice
	var prices []bar
	for _, b := range st.Bedrooms {
		name := strconv.Itoa(b.Bedrooms) + "室"
		shares = append(shares, slice{Label: name, Value: float64(b.Count), Tip: fmt.Sprintf("%s：%d 套，占 %s", name, b.Count, pct(b.Share))})
		prices = append(prices, bar{Label: name, Value: float64(b.AvgPrice), Tip: fmt.Sprintf("%s：平均 %s/月（%d 套）", name, money(b.AvgPrice), b.Count),
			Text: money(b.AvgPrice)})
	}
	d.Bedrooms = pieChart(shares)
	d.Prices = columnChart(prices)
	var comms []bar
	for _, c := range st.Communities {
		comms = append(comms, bar{Label: c.Name, Value: float64(c.Count), Tip: fmt.Sprintf("%s：%d 套在租", c.Name, c.Count), Text: strconv.FormatInt(c.Count, 10)})
	}
	d.Communities = barChart(comms)
	return d
}

// linear maps the domain [d0, d1] onto the range [r0, r1].
type linear struct{ d0, d1, r0, r1 float64 }

func (s linear) at(v float64) float64 {
	if s.d1 == s.d0 {
		return (s.r0 + s.r1) / 2
	}
	return s.r0 + (v-s.d0)*(s.r1-s.r0)/(s.d1-s.d0)
}

// niceTicks returns about n round tick values (steps of 1, 2 or 5 × 10^k)
// covering [lo, hi]: the first ≤ lo, the last ≥ hi.
func niceTicks(lo, hi float64, n int) []float64 {
	if n < 1 {
		n = 1
	}
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		if lo == 0 {
			hi = 1
		} else {
			lo, hi = lo-math.Abs(lo)/2, hi+math.Abs(hi)/2
		}
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := mag * 10
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*mag {
			step = m * mag
			break
		}
	}
	first := math.Floor(lo/step) * step
	var out []float64
	for v := first; ; v += step {
		out = append(out, math.Round(v/step)*step)
		if len(out) >= 2 && v >= hi-step*1e-9 {
			break
		}
	}
	return out
}

// clipLine clips the segment (x0,y0)-(x1,y1) to the box [xmin,xmax]×[ymin,ymax]
// (Liang–Barsky); ok is false when no part of it is inside.
func clipLine(x0, y0, x1, y1, xmin, xmax, ymin, ymax float64) (float64, float64, float64, float64, bool) {
	t0, t1 := 0.0, 1.0
	dx, dy := x1-x0, y1-y0
	for _, e := range [4][2]float64{{-dx, x0 - xmin}, {dx, xmax - x0}, {-dy, y0 - ymin}, {dy, ymax - y0}} {
		p, q := e[0], e[1]
		if p == 0 {
			if q < 0 {
				return 0, 0, 0, 0, false
			}
			continue
		}
		r := q / p
		if p < 0 {
			if r > t1 {
				return 0, 0, 0, 0, false
			}
			t0 = math.Max(t0, r)
		} else {
			if r < t0 {
				return 0, 0, 0, 0, false
			}
			t1 = math.Min(t1, r)
		}
	}
	return x0 + t0*dx, y0 + t0*dy, x0 + t1*dx, y0 + t1*dy, true
}

// The plot area of the scatter and column charts inside their viewBox.
const (
	chartW, chartH                   = 560.0, 340.0
	padLeft, padRight, padTop, padBo = 64.0, 16.0, 16.0, 44.0
)

type svg struct{ strings.Builder }

func (b *svg) f(format string, a ...any) { fmt.Fprintf(&b.Builder, format, a...) }

// tipTitle writes a mark's tooltip: the browser shows its <title>, and
// app.js draws the same text at once under the pointer.
func tipTitle(s string) string { return `<title>` + template.HTMLEscapeString(s) + `</title>` }

func (b *svg) open(w, h float64, label string) {
	b.f(`<svg data-chart viewBox="0 0 %s %s" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg" font-size="13">`,
		num(w), num(h), template.HTMLEscapeString(label))
}

// scatterChart draws price against area, the fitted trend line, and this
// listing's point (me) highlighted.
func scatterChart(points [][2]float64, trend *trendLine, me [2]float64) template.HTML {
	minX, maxX, minY, maxY := me[0], me[0], me[1], me[1]
	for _, p := range points {
		minX, maxX = math.Min(minX, p[0]), math.Max(maxX, p[0])
		minY, maxY = math.Min(minY, p[1]), math.Max(maxY, p[1])
	}
	xt, yt := niceTicks(minX, maxX, 6), niceTicks(minY, maxY, 5)
	x := linear{xt[0], xt[len(xt)-1], padLeft, chartW - padRight}
	y := linear{yt[0], yt[len(yt)-1], chartH - padBo, padTop}
	var b svg
	b.open(chartW, chartH, "面积与月租散点图")
	axes(&b, xt, yt, x, y, func(v float64) string { return num(v) + "㎡" }, func(v float64) string { return shortMoney(v) })
	b.f(`<g class="pts" fill="#1f8a5b" fill-opacity=".55">`)
	for _, p := range points {
		t := fmt.Sprintf("面积 %s㎡，月租 %s", num(p[0]), money(int64(p[1])))
		b.f(`<circle cx="%s" cy="%s" r="4">%s</circle>`, num(x.at(p[0])), num(y.at(p[1])), tipTitle(t))
	}
	b.f(`</g>`)
	if trend != nil {
		x0, y0, x1, y1, ok := clipLine(xt[0], trend.at(xt[0]), xt[len(xt)-1], trend.at(xt[len(xt)-1]), xt[0], xt[len(xt)-1], yt[0], yt[len(yt)-1])
		if ok {
			t := fmt.Sprintf("趋势线：月租 ≈ %s × 面积 %s %s", trimFloat(trend.Slope), sign(trend.Intercept), trimFloat(math.Abs(trend.Intercept)))
			b.f(`<line class="trend" x1="%s" y1="%s" x2="%s" y2="%s" stroke="#d9730d" stroke-width="2.5" stroke-dasharray="6 4">%s</line>`,
				num(x.at(x0)), num(y.at(y0)), num(x.at(x1)), num(y.at(y1)), tipTitle(t))
		}
	}
	t := fmt.Sprintf("本房源：面积 %s㎡，月租 %s", num(me[0]), money(int64(me[1])))
	b.f(`<circle class="me" cx="%s" cy="%s" r="7" fill="#c8331e" stroke="#fff" stroke-width="2">%s</circle>`, num(x.at(me[0])), num(y.at(me[1])), tipTitle(t))
	b.f(`</svg>`)
	return template.HTML(b.String()) // built here from numbers and escaped text
}

// axes draws the grid, the ticks and their labels.
func axes(b *svg, xt, yt []float64, x, y linear, xl, yl func(float64) string) {
	b.f(`<g class="axes" stroke="#e3e5e8" fill="#6b6f76">`)
	for _, v := range yt {
		b.f(`<line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s" stroke="none" text-anchor="end" dominant-baseline="middle">%s</text>`,
			num(padLeft), num(chartW-padRight), num(y.at(v)), num(y.at(v)), num(padLeft-6), num(y.at(v)), yl(v))
	}
	for _, v := range xt {
		b.f(`<line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s" stroke="none" text-anchor="middle">%s</text>`,
			num(x.at(v)), num(x.at(v)), num(padTop), num(chartH-padBo), num(x.at(v)), num(chartH-padBo+20), xl(v))
	}
	b.f(`</g>`)
}

// slice is one part of a pie; bar one bar.
type slice struct {
	Label, Tip string
	Value      float64
}

type bar struct {
	Label, Tip, Text string
	Value            float64
}

var palette = []string{"#1f8a5b", "#3b82c4", "#d9730d", "#8e5bb5", "#c8331e", "#2aa3a3", "#b58d1a", "#6b6f76"}

// arc is one slice of a pie at (cx, cy) with radius r, from angle a0 to a1
// (radians, clockwise from 12 o'clock): an SVG path.
func arc(cx, cy, r, a0, a1 float64) string {
	if a1-a0 >= 2*math.Pi-1e-9 { // a whole circle: two half arcs
		return fmt.Sprintf("M%s %sA%s %s 0 1 1 %s %sA%s %s 0 1 1 %s %sZ", num(cx), num(cy-r), num(r), num(r), num(cx), num(cy+r),
			num(r), num(r), num(cx), num(cy-r))
	}
	x0, y0 := cx+r*math.Sin(a0), cy-r*math.Cos(a0)
	x1, y1 := cx+r*math.Sin(a1), cy-r*math.Cos(a1)
	large := 0
	if a1-a0 > math.Pi {
		large = 1
	}
	return fmt.Sprintf("M%s %sL%s %sA%s %s 0 %d 1 %s %sZ", num(cx), num(cy), num(x0), num(y0), num(r), num(r), large, num(x1), num(y1))
}

// pieChart draws the shares, with a legend beside it.
func pieChart(slices []slice) template.HTML {
	var total float64
	for _, s := range slices {
		total += s.Value
	}
	var b svg
	const w, h, cx, cy, r = 560.0, 340.0, 170.0, 170.0, 140.0
	b.open(w, h, "户型（居室）占比饼图")
	if total <= 0 {
		b.f(`</svg>`)
		return template.HTML(b.String())
	}
	a := 0.0
	for i, s := range slices {
		a1 := a + 2*math.Pi*s.Value/total
		b.f(`<path d="%s" fill="%s" stroke="#fff" stroke-width="2">%s</path>`, arc(cx, cy, r, a, a1), palette[i%len(palette)], tipTitle(s.Tip))
		a = a1
	}
	for i, s := range slices {
		ly := 40 + float64(i)*30
		b.f(`<g><rect x="350" y="%s" width="16" height="16" rx="3" fill="%s"/><text x="374" y="%s" dominant-baseline="middle" fill="#222">%s %s</text>%s</g>`,
			num(ly), palette[i%len(palette)], num(ly+8), template.HTMLEscapeString(s.Label), pct(s.Value/total), tipTitle(s.Tip))
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// barChart draws horizontal bars, one row per item (the top communities).
func barChart(bars []bar) template.HTML {
	const w, row, left, right = 560.0, 24.0, 150.0, 48.0
	h := 16 + row*float64(max(len(bars), 1))
	var maxV float64
	for _, br := range bars {
		maxV = math.Max(maxV, br.Value)
	}
	x := linear{0, maxV, left, w - right}
	var b svg
	b.open(w, h, "小区在租房源数排行")
	for i, br := range bars {
		y := 8 + float64(i)*row
		b.f(`<g><text x="%s" y="%s" text-anchor="end" dominant-baseline="middle" fill="#222">%s</text><rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="#3b82c4"/><text x="%s" y="%s" dominant-baseline="middle" fill="#6b6f76">%s</text>%s</g>`,
			num(left-8), num(y+row/2-2), template.HTMLEscapeString(ellipsis(br.Label, 8)),
			num(left), num(y+2), num(math.Max(x.at(br.Value)-left, 2)), num(row-8), num(x.at(br.Value)+6), num(y+row/2-2),
			template.HTMLEscapeString(br.Text), tipTitle(br.Tip))
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// columnChart draws vertical bars with their values above (the average
// price of each layout).
func columnChart(bars []bar) template.HTML {
	var maxV float64
	for _, br := range bars {
		maxV = math.Max(maxV, br.Value)
	}
	yt := niceTicks(0, maxV, 5)
	y := linear{0, yt[len(yt)-1], chartH - padBo, padTop}
	var b svg
	b.open(chartW, chartH, "各户型平均月租柱状图")
	b.f(`<g class="axes" stroke="#e3e5e8" fill="#6b6f76">`)
	for _, v := range yt {
		b.f(`<line x1="%s" x2="%s" y1="%s" y2="%s"/><text x="%s" y="%s" stroke="none" text-anchor="end" dominant-baseline="middle">%s</text>`,
			num(padLeft), num(chartW-padRight), num(y.at(v)), num(y.at(v)), num(padLeft-6), num(y.at(v)), shortMoney(v))
	}
	b.f(`</g>`)
	n := float64(max(len(bars), 1))
	slot := (chartW - padLeft - padRight) / n
	bw := math.Min(slot*0.6, 64)
	for i, br := range bars {
		cx := padLeft + slot*(float64(i)+0.5)
		top := y.at(br.Value)
		b.f(`<g><rect x="%s" y="%s" width="%s" height="%s" rx="3" fill="%s"/><text x="%s" y="%s" text-anchor="middle" fill="#222">%s</text><text x="%s" y="%s" text-anchor="middle" fill="#6b6f76">%s</text>%s</g>`,
			num(cx-bw/2), num(top), num(bw), num(chartH-padBo-top), palette[i%len(palette)],
			num(cx), num(top-6), template.HTMLEscapeString(br.Text), num(cx), num(chartH-padBo+20), template.HTMLEscapeString(br.Label), tipTitle(br.Tip))
	}
	b.f(`</svg>`)
	return template.HTML(b.String())
}

// num writes a coordinate with at most one decimal.
func num(v float64) string { return strconv.FormatFloat(math.Round(v*10)/10, 'f', -1, 64) }

func trimFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func sign(v float64) string {
	if v < 0 {
		return "−"
	}
	return "+"
}

func pct(f float64) string { return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%" }

// shortMoney labels a price axis: ￥8千, ￥1.2万.
func shortMoney(v float64) string {
	switch {
	case v >= 10000:
		return "￥" + strconv.FormatFloat(math.Round(v/1000)/10, 'f', -1, 64) + "万"
	case v >= 1000:
		return "￥" + strconv.FormatFloat(math.Round(v/100)/10, 'f', -1, 64) + "千"
	default:
		return "￥" + num(v)
	}
}

func ellipsis(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
