package redis

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"strconv"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/command"
)

// Limiter implements command.Limiter on the Redis master, which every api
// replica shares: one counter per key in a fixed window that starts with
// the key's first attempt (INCR, then PEXPIRE). Checking and counting run in
// one script, so attempts racing on several replicas cannot all pass a
// limit that has room for one. Keys are hashed: the login typed is part of
// a key and may be anything.
//
// Without Redis the limits are not applied (logged): logins keep working
// while Redis is away, as every other command does.
type Limiter struct {
	client goredis.UniversalClient
	prefix string
	log    *slog.Logger
}

// NewLimiter returns a limiter whose keys start with prefix.
func NewLimiter(client goredis.UniversalClient, prefix string, log *slog.Logger) *Limiter {
	return &Limiter{client: client, prefix: prefix + "attempts:", log: log}
}

// take: KEYS are the counters, ARGV the window (ms) and limit of each. A
// full counter answers its time left and nothing is counted; else every
// counter counts one, and a new one starts its window.
var take = goredis.NewScript(`
local wait = 0
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[2 * i]) then
    local left = redis.call('PTTL', key)
    if left < 0 then
      left = tonumber(ARGV[2 * i - 1])
      redis.call('PEXPIRE', key, left)
    end
    if left > wait then wait = left end
  end
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then redis.call('PEXPIRE', key, ARGV[2 * i - 1]) end
end
return 0
`)

// giveBack takes one attempt back from each counter that still has it
// (a counter whose window ended is gone and stays gone).
var giveBack = goredis.NewScript(`
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') > 0 then redis.call('DECR', key) end
end
return 0
`)

func (l *Limiter) Take(ctx context.Context, limits []command.Limit) (time.Duration, error) {
	keys, args := l.keys(limits, true)
	ms, err := take.Run(ctx, l.client, keys, args...).Int64()
	if err != nil {
		l.log.Warn("attempt limits not applied: Redis did not answer", "err", err)
		return 0, nil
	}
	return time.Duration(ms) * time.Millisecond, nil
}

func (l *Limiter) GiveBack(ctx context.Context, limits []command.Limit) error {
	keys, _ := l.keys(limits, false)
	if err := giveBack.Run(ctx, l.client, keys).Err(); err != nil {
		l.log.Warn("an attempt that did not count could not be given back", "err", err)
	}
	return nil
}

func (l *Limiter) keys(limits []command.Limit, withArgs bool) ([]string, []any) {
	keys := make([]string, len(limits))
	var args []any
	for i, lim := range limits {
		sum := sha256.Sum256([]byte(lim.Key))
		keys[i] = l.prefix + hex.EncodeToString(sum[:16])
		if withArgs {
			args = append(args, strconv.FormatInt(max(1, lim.Window.Milliseconds()), 10), strconv.Itoa(lim.Max))
		}
	}
	return keys, args
}
