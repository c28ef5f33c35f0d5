package stream

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/observe"
)

// MaxUndelivered bounds the count of a group's undelivered entries: a larger
// backlog is reported as this many.
const MaxUndelivered = 10000

// Stats returns each stream's length and its consumer groups' pending and
// undelivered entries (for metrics and rentalctl status). Undelivered entries are counted after
// the group's last delivered id, up to MaxUndelivered, rather than taken from
// Redis 7.0's "lag": its entries-read counter is wrong on a replica promoted
// by a failover.
func Stats(client goredis.UniversalClient, streams []string) func(ctx context.Context) ([]observe.StreamStat, error) {
	return func(ctx context.Context) ([]observe.StreamStat, error) {
		var out []observe.StreamStat
		for _, s := range streams {
			stats, err := streamStats(ctx, client, s)
			if err != nil {
				return nil, err
			}
			out = append(out, stats...)
		}
		return out, nil
	}
}

func streamStats(ctx context.Context, client goredis.UniversalClient, stream string) ([]observe.StreamStat, error) {
	pipe := client.Pipeline()
	length := pipe.XLen(ctx, stream)
	groups := pipe.XInfoGroups(ctx, stream)
	info := pipe.XInfoStream(ctx, stream)
	_, _ = pipe.Exec(ctx) // a stream not written yet fails the XINFOs alone
	n, err := length.Result()
	if err != nil {
		return nil, fmt.Errorf("sizing %s: %w", stream, err)
	}
	gs, err := groups.Result()
	if err != nil && !strings.Contains(err.Error(), "no such key") {
		return nil, fmt.Errorf("reading the groups of %s: %w", stream, err)
	}
	if len(gs) == 0 {
		return []observe.StreamStat{{Stream: stream, Length: n}}, nil
	}
	last := info.Val().LastGeneratedID
	out := make([]observe.StreamStat, 0, len(gs))
	for _, g := range gs {
		st := observe.StreamStat{Stream: stream, Length: n, Group: g.Name, Pending: g.Pending}
		if g.LastDeliveredID != last {
			after, err := client.XRangeN(ctx, stream, "("+g.LastDeliveredID, "+", MaxUndelivered+1).Result()
			if err != nil {
				return nil, fmt.Errorf("counting undelivered entries of %s: %w", stream, err)
			}
			st.Lag, st.More = int64(min(len(after), MaxUndelivered)), len(after) > MaxUndelivered
		}
		out = append(out, st)
	}
	return out, nil
}
