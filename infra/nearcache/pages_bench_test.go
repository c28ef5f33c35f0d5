package nearcache

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zufang/rental/query"
)

// BenchmarkPages_hit is what a listing page pays per shared answer the near
// cache already holds (it reads four).
func BenchmarkPages_hit(b *testing.B) {
	c := newLive(&fakeModels{})
	next := func(context.Context, any) (any, error) {
		return query.Body{JSON: []byte(`{"items":[]}`), Source: query.FromRedis}, nil
	}
	run := c.Pages()("q", next)
	q := query.Availability{ListingID: uuid.New(), From: time.Now(), To: time.Now().AddDate(0, 3, 0)}
	ctx := context.Background()
	if _, err := run(ctx, q); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := run(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}
