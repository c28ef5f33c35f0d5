package rental_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/zufang/rental"
)

func TestDeadline(t *testing.T) {
	const d = 20 * time.Millisecond
	wrap := func(h rental.Next) rental.Next { return rental.Deadline(d)("PlaceOrder", h) }
	blocked := func(ctx context.Context, _ any) (any, error) { <-ctx.Done(); return nil, ctx.Err() }
	late := func(err error) rental.Next {
		return func(ctx context.Context, _ any) (any, error) { <-ctx.Done(); return nil, err }
	}

	t.Run("work that outlives the bound is unavailable, and says when to retry", func(t *testing.T) {
		_, err := wrap(blocked)(context.Background(), nil)
		if rental.ErrorCode(err) != rental.EUNAVAILABLE || rental.ErrorRetryAfter(err) <= 0 {
			t.Fatalf("got %v, want unavailable with a retry-after", err)
		}
	})
	t.Run("a driver error after the bound is unavailable too", func(t *testing.T) {
		_, err := wrap(late(errors.New("invalid connection")))(context.Background(), nil)
		if rental.ErrorCode(err) != rental.EUNAVAILABLE {
			t.Fatalf("got %v, want unavailable", err)
		}
	})
	t.Run("a decision reached after the bound is passed on", func(t *testing.T) {
		_, err := wrap(late(rental.Errorf(rental.ECONFLICT, "dates taken")))(context.Background(), nil)
		if rental.ErrorCode(err) != rental.ECONFLICT {
			t.Fatalf("got %v, want the conflict", err)
		}
	})
	t.Run("a caller that left gets its own context error", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := wrap(blocked)(ctx, nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("work inside the bound is untouched", func(t *testing.T) {
		r, err := wrap(func(ctx context.Context, _ any) (any, error) {
			if _, ok := ctx.Deadline(); !ok {
				t.Error("the use case runs without a deadline")
			}
			return 7, nil
		})(context.Background(), nil)
		if err != nil || r != 7 {
			t.Fatalf("got %v, %v", r, err)
		}
	})
}
