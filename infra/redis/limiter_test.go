package redis_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/zufang/rental/command"
	"github.com/zufang/rental/infra/redis"
	"github.com/zufang/rental/infra/testing/testenv"
)

func newLimiter(t *testing.T) *redis.Limiter {
	addr := testenv.RedisAddr()
	return redis.NewLimiter(testenv.Redis(t, addr), testenv.Prefix(t, addr), slog.New(slog.DiscardHandler))
}

func TestLimiter_racingAttemptsCountOnceEachAndStopAtTheLimit(t *testing.T) {
	l, ctx := newLimiter(t), context.Background()
	limits := []command.Limit{{Key: "login:a@example.com", Max: 10, Window: time.Hour}, {Key: "address:10.0.0.1", Max: 1000, Window: time.Hour}}
	// 50 attempts at once, as from several api replicas: ten pass.
	var mu sync.Mutex
	passed := 0
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wait, err := l.Take(ctx, limits)
			if err != nil {
				t.Error(err)
			}
			if wait == 0 {
				mu.Lock()
				passed++
				mu.Unlock()
			} else if wait > time.Hour {
				t.Errorf("the wait is at most the window: %s", wait)
			}
		}()
	}
	wg.Wait()
	if passed != 10 {
		t.Fatalf("%d of 50 racing attempts passed, want 10", passed)
	}
	// A refused attempt counted nothing on the other key; a given-back one makes room.
	if err := l.GiveBack(ctx, limits); err != nil {
		t.Fatal(err)
	}
	if wait, _ := l.Take(ctx, limits); wait != 0 {
		t.Fatal("an attempt given back makes room for one")
	}
	if wait, _ := l.Take(ctx, limits); wait == 0 {
		t.Fatal("and only one")
	}
	// The address counted ten: those that passed, one given back and taken
	// again; none of the 41 refused.
	if wait, _ := l.Take(ctx, []command.Limit{{Key: "address:10.0.0.1", Max: 10, Window: time.Hour}}); wait == 0 {
		t.Fatal("the address holds ten attempts")
	}
	if wait, _ := l.Take(ctx, []command.Limit{{Key: "address:10.0.0.1", Max: 11, Window: time.Hour}}); wait != 0 {
		t.Fatal("the address holds no more than ten attempts")
	}
}

func TestLimiter_aWindowEndsAndAGiveBackNeverGoesBelowNothing(t *testing.T) {
	l, ctx := newLimiter(t), context.Background()
	short := []command.Limit{{Key: "register:10.0.0.2", Max: 1, Window: 200 * time.Millisecond}}
	if wait, _ := l.Take(ctx, short); wait != 0 {
		t.Fatal("the first attempt passes")
	}
	testenv.Eventually(t, 5*time.Second, func() string {
		if wait, _ := l.Take(ctx, short); wait != 0 {
			return "the window has not ended yet"
		}
		return ""
	})
	fresh := []command.Limit{{Key: "never-taken", Max: 1, Window: time.Hour}}
	for range 3 {
		_ = l.GiveBack(ctx, fresh)
	}
	if wait, _ := l.Take(ctx, fresh); wait != 0 {
		t.Fatal("giving back what was never taken leaves no credit and no debt")
	}
	if wait, _ := l.Take(ctx, fresh); wait == 0 {
		t.Fatal("a limit of one is full after one")
	}
}
