package stream_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

func TestRetention_trimsToMaxLenButNeverWhatAGroupStillNeeds(t *testing.T) {
	// Small radix-tree nodes, so approximate trimming has something to evict.
	redis := testenv.StartRedis(t, "--stream-node-max-entries", "10")
	rdb := testenv.Redis(t, redis.Addr)
	ctx := context.Background()
	const s = "events:listing"
	var ids []string
	for i := range 200 {
		id, err := rdb.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: map[string]any{"n": i}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	r := stream.Retention{Client: rdb, Streams: []string{s}, MaxLen: 20, Log: testenv.Logger()}
	trim := func() int64 {
		t.Helper()
		n, err := r.Trim(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n[s]
	}
	kept := func(from int) bool {
		t.Helper()
		e, err := rdb.XRange(ctx, s, ids[from], "+").Result()
		return err == nil && len(e) == len(ids)-from && e[0].ID == ids[from]
	}
	if n := trim(); n != 0 {
		t.Fatalf("a stream no group reads is not trimmed, %d trimmed", n)
	}

	// Group a has been given 120 entries and acknowledged the first 100;
	// group b has been given the first 50 and acknowledged all of them.
	rdb.XGroupCreate(ctx, s, "a", "0")
	rdb.XGroupCreate(ctx, s, "b", "0")
	read := func(group string, n int64) {
		if err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: group, Consumer: "c", Streams: []string{s, ">"}, Count: n}).Err(); err != nil {
			t.Fatal(err)
		}
	}
	read("a", 120)
	read("b", 50)
	rdb.XAck(ctx, s, "a", ids[:100]...)
	rdb.XAck(ctx, s, "b", ids[:50]...)

	trimmed := trim()
	if trimmed == 0 || trimmed > 50 {
		t.Fatalf("only entries both groups are done with may go (the first 50): %d trimmed", trimmed)
	}
	if !kept(50) {
		t.Fatal("b has not been given entry 50 and later yet: they must all be kept")
	}

	// b catches up: now a's pending entries (100..119) are the limit.
	read("b", 200)
	rdb.XAck(ctx, s, "b", ids...)
	trim()
	if !kept(100) {
		t.Fatal("entries pending on a (100 and later) must never be trimmed")
	}
	safe, _, _ := stream.SafePoint(ctx, rdb, s)
	if safe != ids[100] {
		t.Fatalf("the safe point is a's oldest pending entry %s, got %s", ids[100], safe)
	}

	// Everyone is done: down to about MaxLen, never below.
	rdb.XAck(ctx, s, "a", ids...)
	read("a", 200)
	rdb.XAck(ctx, s, "a", ids...)
	trim()
	length := rdb.XLen(ctx, s).Val()
	if length < 20 || length > 30 {
		t.Fatalf("trimmed to about 20 (whole nodes of 10), got %d", length)
	}
	if !kept(len(ids) - 20) {
		t.Fatal("the last MaxLen entries stay")
	}
}
