package stream_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/observe"
	"github.com/zufang/rental/infra/stream"
	"github.com/zufang/rental/infra/testing/testenv"
)

// Stats, which both /metrics and rentalctl status read: a stream never
// written is empty with no group; a group's pending and undelivered entries
// are counted, the undelivered up to the bound, beyond which More says so.
func TestStats_pendingAndUndeliveredUpToTheBound(t *testing.T) {
	rdb := testenv.Redis(t, testenv.RedisAddr())
	prefix := testenv.Prefix(t, testenv.RedisAddr())
	ctx := context.Background()
	small, big, never := prefix+"small", prefix+"big", prefix+"never"
	add := func(s string, n int) {
		pipe := rdb.Pipeline()
		for i := range n {
			pipe.XAdd(ctx, &goredis.XAddArgs{Stream: s, Values: map[string]any{"n": i}})
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	add(small, 5)
	add(big, stream.MaxUndelivered+3)
	for _, s := range []string{small, big} {
		if err := rdb.XGroupCreate(ctx, s, "g", "0").Err(); err != nil {
			t.Fatal(err)
		}
	}
	// Two of small's entries delivered, one of them acknowledged.
	got, err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{small, ">"}, Count: 2}).Result()
	if err != nil {
		t.Fatal(err)
	}
	rdb.XAck(ctx, small, "g", got[0].Messages[0].ID)

	stats, err := stream.Stats(rdb, []string{small, big, never})(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []observe.StreamStat{
		{Stream: small, Length: 5, Group: "g", Pending: 1, Lag: 3},
		{Stream: big, Length: stream.MaxUndelivered + 3, Group: "g", Lag: stream.MaxUndelivered, More: true},
		{Stream: never},
	}
	if len(stats) != len(want) {
		t.Fatalf("stats %+v, want %+v", stats, want)
	}
	for i := range want {
		if stats[i] != want[i] {
			t.Errorf("%s: %+v, want %+v", want[i].Stream, stats[i], want[i])
		}
	}
}
