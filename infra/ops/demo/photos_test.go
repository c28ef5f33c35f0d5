package demo_test

import (
	"testing"

	"github.com/zufang/rental/infra/ops/demo"
	"github.com/zufang/rental/infra/photos"
)

func TestPhotos_areDistinctImagesThePhotoStoreAccepts(t *testing.T) {
	pics, err := demo.Photos(4)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, b := range pics {
		p, err := photos.Prepare(b)
		if err != nil {
			t.Fatalf("photo %d refused by the store's checks: %v", i, err)
		}
		h := photos.Hash(b)
		if seen[h] {
			t.Fatalf("photo %d repeats an earlier one", i)
		}
		seen[h] = true
		if p.Width != 960 || len(p.Variants) == 0 {
			t.Fatalf("photo %d: %d px wide with %d variants, want 960 and some", i, p.Width, len(p.Variants))
		}
	}
}
