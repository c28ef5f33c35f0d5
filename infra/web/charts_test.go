package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestNiceTicks_areRoundStepsCoveringTheRange(t *testing.T) {
	for _, tc := range []struct {
		lo, hi float64
		n      int
		want   []float64
	}{
		{0, 10, 5, []float64{0, 2, 4, 6, 8, 10}},
		{37, 142, 6, []float64{20, 40, 60, 80, 100, 120, 140, 160}},
		{3100, 12400, 5, []float64{2000, 4000, 6000, 8000, 10000, 12000, 14000}},
		{5, 5, 4, []float64{2, 4, 6, 8}}, // a single value gets a range around it
	} {
		got := niceTicks(tc.lo, tc.hi, tc.n)
		if len(got) != len(tc.want) {
			t.Fatalf("niceTicks(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Fatalf("niceTicks(%v, %v, %d) = %v, want %v", tc.lo, tc.hi, tc.n, got, tc.want)
			}
		}
		if got[0] > tc.lo || got[len(got)-1] < tc.hi {
			t.Fatalf("ticks %v do not cover [%v, %v]", got, tc.lo, tc.hi)
		}
	}
}

func TestLinear_mapsTheDomainOntoTheRange(t *testing.T) {
	y := linear{0, 100, 300, 20} // a y axis: up is smaller
	for in, want := range map[float64]float64{0: 300, 100: 20, 50: 160, 25: 230} {
		if got := y.at(in); got != want {
			t.Fatalf("at(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestClipLine_keepsThePartInsideTheBox(t *testing.T) {
	// y = 2x from x=0 to 10 in the box [0,10]×[0,10]: it leaves through the top at x=5.
	x0, y0, x1, y1, ok := clipLine(0, 0, 10, 20, 0, 10, 0, 10)
	if !ok || x0 != 0 || y0 != 0 || x1 != 5 || y1 != 10 {
		t.Fatalf("clip: %v %v %v %v %v", x0, y0, x1, y1, ok)
	}
	// Entirely above the box: nothing is drawn.
	if _, _, _, _, ok := clipLine(0, 20, 10, 30, 0, 10, 0, 10); ok {
		t.Fatal("a line above the box was kept")
	}
	// Inside: unchanged.
	if a, b, c, d, ok := clipLine(1, 2, 3, 4, 0, 10, 0, 10); !ok || a != 1 || b != 2 || c != 3 || d != 4 {
		t.Fatalf("an inner segment changed: %v %v %v %v", a, b, c, d)
	}
}

var arcEnd = regexp.MustCompile(`A140 140 0 (\d) 1 (-?[\d.]+) (-?[\d.]+)Z`)

func TestArc_slicesEndWhereTheirShareSays(t *testing.T) {
	// A quarter from 12 o'clock ends at 3 o'clock; three quarters is the large arc and ends at 9.
	for _, tc := range []struct {
		a1           float64
		large        string
		wantX, wantY float64
	}{{math.Pi / 2, "0", 310, 170}, {3 * math.Pi / 2, "1", 30, 170}} {
		m := arcEnd.FindStringSubmatch(arc(170, 170, 140, 0, tc.a1))
		if m == nil {
			t.Fatalf("arc path: %s", arc(170, 170, 140, 0, tc.a1))
		}
		x, _ := strconv.ParseFloat(m[2], 64)
		y, _ := strconv.ParseFloat(m[3], 64)
		if m[1] != tc.large || x != tc.wantX || y != tc.wantY {
			t.Fatalf("arc to %v: large %s end (%v, %v), want %s (%v, %v)", tc.a1, m[1], x, y, tc.large, tc.wantX, tc.wantY)
		}
	}
	// One slice of everything is a whole circle, not an empty arc.
	if !strings.Contains(string(pieChart([]slice{{Label: "2室", Value: 3}})), "A140 140 0 1 1 170 310") {
		t.Fatal("a single slice is not a full circle")
	}
}

var circles = regexp.MustCompile(`<circle cx="([\d.]+)" cy="([\d.]+)" r="4"`)
var trendLineRe = regexp.MustCompile(`<line class="trend" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"`)

func TestScatterChart_drawsEveryPointAndTheFittedLineThroughIt(t *testing.T) {
	// Points on price = 100 × area + 1000 exactly: the fitted line passes through every point.
	pts := [][2]float64{{40, 5000}, {60, 7000}, {80, 9000}, {100, 11000}}
	out := string(scatterChart(pts, &trendLine{Slope: 100, Intercept: 1000}, [2]float64{60, 7000}))
	cs := circles.FindAllStringSubmatch(out, -1)
	if len(cs) != len(pts) {
		t.Fatalf("%d points drawn, want %d", len(cs), len(pts))
	}
	l := trendLineRe.FindStringSubmatch(out)
	if l == nil {
		t.Fatal("no trend line")
	}
	f := func(s string) float64 { v, _ := strconv.ParseFloat(s, 64); return v }
	x1, y1, x2, y2 := f(l[1]), f(l[2]), f(l[3]), f(l[4])
	for _, c := range cs {
		cx, cy := f(c[1]), f(c[2])
		onLine := y1 + (cx-x1)*(y2-y1)/(x2-x1)
		if math.Abs(onLine-cy) > 0.3 { // coordinates are written to 0.1
			t.Fatalf("point (%v, %v) is %v off the trend line", cx, cy, onLine-cy)
		}
		if cx < padLeft || cx > chartW-padRight || cy < padTop || cy > chartH-padBo {
			t.Fatalf("point (%v, %v) outside the plot", cx, cy)
		}
	}
	if !strings.Contains(out, "<title>面积 40㎡，月租 ￥5,000</title>") || !strings.Contains(out, `class="me"`) {
		t.Fatal("the tooltips or this listing's point are missing")
	}
}

func TestBarChart_escapesNamesAndScalesToTheLargest(t *testing.T) {
	out := string(barChart([]bar{{Label: "<b>甲</b>", Value: 10, Tip: "a", Text: "10"}, {Label: "乙", Value: 5, Tip: "b", Text: "5"}}))
	if strings.Contains(out, "<b>") || !strings.Contains(out, "&lt;b&gt;甲&lt;/b&gt;") {
		t.Fatal("a community name was not escaped")
	}
	widths := regexp.MustCompile(`<rect x="150" y="[\d.]+" width="([\d.]+)"`).FindAllStringSubmatch(out, -1)
	if len(widths) != 2 || widths[0][1] != "362" || widths[1][1] != "181" {
		t.Fatalf("bar widths %v, want 362 and 181", widths)
	}
}
