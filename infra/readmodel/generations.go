package readmodel

import (
	"context"
	"errors"
	"fmt"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// OldGenerationGrace is how long a replaced generation stays readable after a
// switch, so a process that has not yet noticed the switch still reads whole data.
const OldGenerationGrace = 30 * time.Second

// startRebuild hands out the next generation number (above the live one) and
// marks it as building, so every projector write also goes there from now on.
// An interrupted rebuild's generation is handed out again, so it can resume.
var startRebuild = goredis.NewScript(`
local live = tonumber(redis.call('GET', KEYS[1]) or '0')
local building = redis.call('GET', KEYS[3])
if building then return building end
local seq = redis.call('INCR', KEYS[2])
if seq <= live then
  seq = live + 1
  redis.call('SET', KEYS[2], seq)
end
redis.call('SET', KEYS[3], seq)
return tostring(seq)`)

// switchTo makes the built generation live in one step and announces it.
var switchTo = goredis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('generation ' .. ARGV[1] .. ' is not being built') end
local old = redis.call('GET', KEYS[1]) or ''
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
redis.call('PUBLISH', KEYS[3], ARGV[2])
return old`)

func (s *Store) genKeys(projection string) (live, seq, next string) {
	ks := s.keyspace(projection)
	return ks + "gen", ks + "gen:seq", ks + "gen:next"
}

// Generations returns a projection's live generation and the one being built
// ("" when none), read from the master.
func (s *Store) Generations(ctx context.Context, projection string) (live, building string, err error) {
	l, _, n := s.genKeys(projection)
	vals, err := s.master.MGet(ctx, l, n).Result()
	if err != nil {
		return "", "", fmt.Errorf("reading generations of %s: %w", projection, err)
	}
	live, _ = vals[0].(string)
	building, _ = vals[1].(string)
	return live, building, nil
}

// StartRebuild marks a new generation of the projection as being built and
// returns it; if one is already being built, it returns that one.
func (s *Store) StartRebuild(ctx context.Context, projection string) (string, error) {
	l, q, n := s.genKeys(projection)
	gen, err := startRebuild.Run(ctx, s.master, []string{l, q, n}).Text()
	if err != nil {
		return "", fmt.Errorf("starting a rebuild of %s: %w", projection, err)
	}
	return gen, nil
}

// Switch makes gen the projection's live generation and returns the one it
// replaced ("" if none).
func (s *Store) Switch(ctx context.Context, projection, gen string) (string, error) {
	l, _, n := s.genKeys(projection)
	old, err := switchTo.Run(ctx, s.master, []string{l, n, s.ChangesChannel()}, gen, "gen "+projection+" "+gen).Text()
	if err != nil {
		return "", fmt.Errorf("switching %s to generation %s: %w", projection, gen, err)
	}
	s.ForgetGenerations()
	return old, nil
}

// AbortRebuild stops writing to the generation being built and deletes it.
func (s *Store) AbortRebuild(ctx context.Context, projection string) error {
	_, building, err := s.Generations(ctx, projection)
	if err != nil || building == "" {
		return err
	}
	_, _, n := s.genKeys(projection)
	if err := s.master.Del(ctx, n).Err(); err != nil {
		return fmt.Errorf("aborting rebuild of %s: %w", projection, err)
	}
	_, err = s.DropGeneration(ctx, projection, building)
	return err
}

// DropGeneration deletes every key of a generation that is neither live nor
// being built, and returns how many keys it deleted.
func (s *Store) DropGeneration(ctx context.Context, projection, gen string) (int, error) {
	live, building, err := s.Generations(ctx, projection)
	if err != nil {
		return 0, err
	}
	if gen == "" || gen == live || gen == building {
		return 0, errors.New("refusing to drop a live or building generation")
	}
	return s.deleteMatching(ctx, s.keyspace(projection)+gen+":*")
}

func (s *Store) deleteMatching(ctx context.Context, pattern string) (int, error) {
	deleted := 0
	iter := s.master.Scan(ctx, 0, pattern, 1000).Iterator()
	batch := make([]string, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := s.master.Unlink(ctx, batch...).Err(); err != nil {
			return err
		}
		deleted += len(batch)
		batch = batch[:0]
		return nil
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return deleted, fmt.Errorf("deleting %s: %w", pattern, err)
			}
		}
	}
	if err := iter.Err(); err != nil {
		return deleted, fmt.Errorf("scanning %s: %w", pattern, err)
	}
	return deleted, flush()
}
