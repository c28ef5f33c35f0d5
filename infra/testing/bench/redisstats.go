package bench

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// callStat is Redis's own account of one command since the last CONFIG
// RESETSTAT: INFO commandstats (calls, µs a call), INFO latencystats
// (p99.9) and LATENCY HISTOGRAM (the bucket of the slowest call; Redis 7).
// A script's inner commands are counted under their own names too.
type callStat struct {
	name       string
	calls      int64
	usecPer    float64
	p999, maxU float64 // 0: not reported (Redis before 7)
}

// callStats reads every command's statistics, most called first.
func callStats(ctx context.Context, rdb *goredis.Client) []callStat {
	by := map[string]*callStat{}
	get := func(name string) *callStat {
		if by[name] == nil {
			by[name] = &callStat{name: name}
		}
		return by[name]
	}
	for name, f := range infoFields(ctx, rdb, "commandstats", "cmdstat_") {
		st := get(name)
		st.calls, _ = strconv.ParseInt(f["calls"], 10, 64)
		st.usecPer, _ = strconv.ParseFloat(f["usec_per_call"], 64)
	}
	for name, f := range infoFields(ctx, rdb, "latencystats", "latency_percentiles_usec_") {
		get(name).p999, _ = strconv.ParseFloat(f["p99.9"], 64)
	}
	// LATENCY HISTOGRAM: command → calls, histogram_usec (bucket → calls up
	// to it, cumulative); the last bucket bounds the slowest call.
	if res, err := rdb.Do(ctx, "LATENCY", "HISTOGRAM").Result(); err == nil {
		for name, h := range pairs(res) {
			for k, v := range pairs(h) {
				if k != "histogram_usec" {
					continue
				}
				for bucket := range pairs(v) {
					if u, err := strconv.ParseFloat(bucket, 64); err == nil && u > get(name).maxU {
						get(name).maxU = u
					}
				}
			}
		}
	}
	out := make([]callStat, 0, len(by))
	for _, st := range by {
		if st.calls > 0 {
			out = append(out, *st)
		}
	}
	slices.SortFunc(out, func(a, b callStat) int { return cmp.Or(cmp.Compare(b.calls, a.calls), strings.Compare(a.name, b.name)) })
	return out
}

// describeStats names the commands of a phase, "evalsha 1000 × 169 µs
// (p99.9 420 µs, max ≤ 1,026 µs)": every command that ran at least a
// hundredth as often as the most called one, and any whose slowest call
// passed 1 ms.
func describeStats(stats []callStat) string {
	var parts []string
	for _, st := range stats {
		if st.calls*100 < stats[0].calls && st.maxU < 1000 {
			continue
		}
		s := fmt.Sprintf("%s %d × %.0f µs", st.name, st.calls, st.usecPer)
		if st.maxU > 0 {
			s += fmt.Sprintf(" (p99.9 %.0f µs, max ≤ %.0f µs)", st.p999, st.maxU)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// infoFields reads an INFO section's lines "<prefix><name>:k=v,k=v" by name.
func infoFields(ctx context.Context, rdb *goredis.Client, section, prefix string) map[string]map[string]string {
	info, err := rdb.Info(ctx, section).Result()
	if err != nil {
		return nil
	}
	out := map[string]map[string]string{}
	for line := range strings.SplitSeq(info, "\n") {
		name, stats, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, prefix) {
			continue
		}
		fields := map[string]string{}
		for kv := range strings.SplitSeq(stats, ",") {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		out[strings.TrimPrefix(name, prefix)] = fields
	}
	return out
}

// pairs walks a reply that is a map (RESP3) or a flat array of key, value
// (RESP2) as string keys and their values.
func pairs(reply any) iter.Seq2[string, any] {
	return func(yield func(string, any) bool) {
		switch v := reply.(type) {
		case map[any]any:
			for k, x := range v {
				if !yield(fmt.Sprint(k), x) {
					return
				}
			}
		case []any:
			for i := 0; i+1 < len(v); i += 2 {
				if !yield(fmt.Sprint(v[i]), v[i+1]) {
					return
				}
			}
		}
	}
}
