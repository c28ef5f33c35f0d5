package query

import "testing"

func TestTrend_isTheLeastSquaresLine(t *testing.T) {
	// (1,2) (2,3) (3,5) (4,6): by hand, slope = (4·47 − 10·16)/(4·30 − 10²) = 28/20 = 1.4,
	// intercept = (16 − 1.4·10)/4 = 0.5.
	got := trend([]PricePoint{{1, 2}, {2, 3}, {3, 5}, {4, 6}})
	if got["slope"] != 1.4 || got["intercept"] != 0.5 {
		t.Fatalf("trend = %v, want slope 1.4 intercept 0.5", got)
	}
	// One point, or every point at one area, defines no line.
	if trend([]PricePoint{{50, 5000}}) != nil || trend([]PricePoint{{50, 5000}, {50, 6000}}) != nil {
		t.Fatal("a line from points that define none")
	}
}
