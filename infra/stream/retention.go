package stream

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/infra/periodic"
)

// Retention trims the event streams to about MaxLen entries, but only behind
// the slowest consumer group: an entry some group has not been given yet, or
// was given and has not acknowledged (it is pending; a dead consumer's
// pending entries are claimed by another), is never trimmed, however long
// the stream grows. Streams no group reads yet are left alone: the group
// that will read them starts from the first entry. event_log, not the
// streams, is the permanent record.
//
// One XTRIM does it: MINID ~ <oldest entry still needed> LIMIT <len - MaxLen>
// evicts only entries older than the safe point, at most as many as MAXLEN
// would, in whole radix-tree nodes (approximate, so cheap; never more than
// asked).
type Retention struct {
	Client  goredis.UniversalClient
	Streams []string
	MaxLen  int64
	Log     *slog.Logger
}

// Run trims at once and then every interval until ctx ends.
func (r Retention) Run(ctx context.Context, every time.Duration) {
	periodic.Run(ctx, every, func(ctx context.Context) {
		if _, err := r.Trim(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("trimming the event streams failed; will retry", "err", err)
		}
	})
}

// Trim trims every stream once and returns how many entries each lost.
func (r Retention) Trim(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, s := range r.Streams {
		n, err := r.trim(ctx, s)
		if err != nil {
			return out, err
		}
		out[s] = n
	}
	return out, nil
}

func (r Retention) trim(ctx context.Context, stream string) (int64, error) {
	length, err := r.Client.XLen(ctx, stream).Result()
	if err != nil {
		return 0, fmt.Errorf("sizing %s: %w", stream, err)
	}
	excess := length - r.MaxLen
	if excess <= 0 {
		return 0, nil
	}
	safe, ok, err := SafePoint(ctx, r.Client, stream)
	if err != nil || !ok {
		return 0, err
	}
	n, err := r.Client.XTrimMinIDApprox(ctx, stream, safe, excess).Result()
	if err != nil {
		return 0, fmt.Errorf("trimming %s: %w", stream, err)
	}
	return n, nil
}

// SafePoint returns the id of the oldest entry of stream some consumer group
// may still need (entries before it were delivered to and acknowledged by
// every group), and false when no group reads the stream.
func SafePoint(ctx context.Context, client goredis.UniversalClient, stream string) (string, bool, error) {
	groups, err := client.XInfoGroups(ctx, stream).Result()
	if err != nil {
		if strings.Contains(err.Error(), "no such key") {
			return "", false, nil
		}
		return "", false, fmt.Errorf("reading the groups of %s: %w", stream, err)
	}
	var safe streamID
	found := false
	for _, g := range groups {
		floor := parseID(g.LastDeliveredID).next() // never delivered to g
		if g.Pending > 0 {
			p, err := client.XPending(ctx, stream, g.Name).Result()
			if err != nil {
				return "", false, fmt.Errorf("reading what %s has pending on %s: %w", g.Name, stream, err)
			}
			if lower := parseID(p.Lower); p.Count > 0 && lower.less(floor) {
				floor = lower // delivered, not acknowledged
			}
		}
		if !found || floor.less(safe) {
			safe, found = floor, true
		}
	}
	return safe.String(), found, nil
}

// streamID is a stream entry id, "<ms>-<seq>".
type streamID struct{ ms, seq uint64 }

func parseID(s string) streamID {
	ms, seq, _ := strings.Cut(s, "-")
	a, _ := strconv.ParseUint(ms, 10, 64)
	b, _ := strconv.ParseUint(seq, 10, 64)
	return streamID{a, b}
}

func (id streamID) next() streamID { return streamID{id.ms, id.seq + 1} }

func (id streamID) less(o streamID) bool {
	return id.ms < o.ms || (id.ms == o.ms && id.seq < o.seq)
}

func (id streamID) String() string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}
