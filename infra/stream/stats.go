package stream

import (
	"context"
	"fmt"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/observe"
)

// Stats returns each stream's length and its consumer groups' pending and
// undelivered entries (for metrics), in one pipeline.
func Stats(client goredis.UniversalClient, streams []string) func(ctx context.Context) ([]observe.StreamStat, error) {
	return func(ctx context.Context) ([]observe.StreamStat, error) {
		pipe := client.Pipeline()
		lens := make([]*goredis.IntCmd, len(streams))
		groups := make([]*goredis.XInfoGroupsCmd, len(streams))
		for i, s := range streams {
			lens[i] = pipe.XLen(ctx, s)
			groups[i] = pipe.XInfoGroups(ctx, s)
		}
		_, _ = pipe.Exec(ctx) // a stream not created yet fails XINFO alone
		var out []observe.StreamStat
		for i, s := range streams {
			n, err := lens[i].Result()
			if err != nil {
				return nil, fmt.Errorf("sizing %s: %w", s, err)
			}
			gs, err := groups[i].Result()
			if err != nil && !strings.Contains(err.Error(), "no such key") {
				return nil, fmt.Errorf("reading the groups of %s: %w", s, err)
			}
			if len(gs) == 0 {
				out = append(out, observe.StreamStat{Stream: s, Length: n})
			}
			for _, g := range gs {
				out = append(out, observe.StreamStat{Stream: s, Length: n, Group: g.Name, Pending: g.Pending, Lag: g.Lag})
			}
		}
		return out, nil
	}
}
