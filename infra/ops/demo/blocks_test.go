package demo

import (
	"slices"
	"testing"

	"github.com/zufang/rental"
)

func TestBlocksOf_namesABlockOfTheListingsOwnDistrict(t *testing.T) {
	bj := rental.City{Code: "beijing", Name: "北京"}
	if got := blocksOf(bj, rental.District{Code: "chaoyang", Name: "朝阳区"}); !slices.Contains(got, "望京") || slices.Contains(got, "春熙路") {
		t.Fatalf("朝阳区: %v", got)
	}
	if got := blocksOf(bj, rental.District{Code: "huairou", Name: "怀柔区"}); len(got) != 1 || got[0] != "怀柔城区" {
		t.Fatalf("a district without a table entry gets its centre: %v", got)
	}
}
