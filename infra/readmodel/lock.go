package readmodel

import (
	"context"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

var releaseLock = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

var extendLock = goredis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`)

// RebuildLock lets one process at a time rebuild read models (a worker's
// first build, or `rentalctl replay`). It returns a release function and
// false when another owner holds the lock. While held, it is extended in the
// background; ctx is cancelled if the lock is lost.
func (s *Store) RebuildLock(ctx context.Context, owner string) (context.Context, func(), bool, error) {
	const ttl = 15 * time.Second
	key := s.prefix + "rm:rebuild:lock"
	ok, err := s.master.SetNX(ctx, key, owner, ttl).Result()
	if err != nil {
		return ctx, nil, false, fmt.Errorf("taking the rebuild lock: %w", err)
	}
	if !ok {
		return ctx, nil, false, nil
	}
	held, cancel := context.WithCancel(ctx)
	go func() {
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-held.Done():
				return
			case <-t.C:
				n, err := extendLock.Run(held, s.master, []string{key}, owner, ttl.Milliseconds()).Int()
				if err == nil && n == 0 {
					s.log.Error("rebuild lock lost", "owner", owner)
					cancel()
					return
				}
			}
		}
	}()
	release := func() {
		cancel()
		_ = releaseLock.Run(context.WithoutCancel(ctx), s.master, []string{key}, owner).Err()
	}
	return held, release, true, nil
}
