package readmodel

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// startRebuild hands out the next generation number (above the live one) and
// marks it as building, so every projector write also goes there from now on.
// An interrupted rebuild's generation is handed out again, so it can resume
// from its recorded position; a new one starts with no position.
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
redis.call('DEL', KEYS[4])
return tostring(seq)`)

// switchTo makes the built generation live in one step, announces it, and
// retires the one it replaced (ARGV[3]: now in ms) for a worker to drop later.
var switchTo = goredis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('generation ' .. ARGV[1] .. ' is not being built') end
local old = redis.call('GET', KEYS[1]) or ''
redis.call('SET', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[4])
if old ~= '' then redis.call('ZADD', KEYS[5], ARGV[3], old) end
redis.call('PUBLISH', KEYS[3], ARGV[2])
return old`)

// genKeys are a projection's generation keys: live, counter, building,
// rebuild position and retired generations.
func (s *Store) genKeys(projection string) (live, seq, next, pos, retired string) {
	ks := s.keyspace(projection)
	return ks + "gen", ks + "gen:seq", ks + "gen:next", ks + "gen:pos", ks + "gen:retired"
}

// Generations returns a projection's live generation and the one being built
// (NoGeneration when none), read from the master.
func (s *Store) Generations(ctx context.Context, projection string) (live, building string, err error) {
	l, _, n, _, _ := s.genKeys(projection)
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
	l, q, n, p, _ := s.genKeys(projection)
	gen, err := startRebuild.Run(ctx, s.master, []string{l, q, n, p}).Text()
	if err != nil {
		return "", fmt.Errorf("starting a rebuild of %s: %w", projection, err)
	}
	// This code's documents write the search bitmaps: say so, so a search
	// never reads a generation an older version built without them.
	if err := s.master.Set(ctx, s.keyspace(projection)+gen+":layout", searchLayout, 0).Err(); err != nil {
		return "", fmt.Errorf("marking the layout of %s generation %s: %w", projection, gen, err)
	}
	return gen, nil
}

// Switch makes gen the projection's live generation and returns the one it
// replaced (NoGeneration if none), which is retired: it stays readable, so a process
// that has not noticed the switch yet still reads whole data, until a worker's
// DropRetired deletes it after a grace (RENTAL_GENERATION_GRACE).
func (s *Store) Switch(ctx context.Context, projection, gen string) (string, error) {
	l, _, n, p, r := s.genKeys(projection)
	old, err := switchTo.Run(ctx, s.master, []string{l, n, s.ChangesChannel(), p, r}, gen, genNotice(projection, gen),
		time.Now().UnixMilli()).Text()
	if err != nil {
		return "", fmt.Errorf("switching %s to generation %s: %w", projection, gen, err)
	}
	s.ForgetGenerations()
	return old, nil
}

// AbortRebuild stops writing to the generation being built and deletes it.
func (s *Store) AbortRebuild(ctx context.Context, projection string) error {
	_, building, err := s.Generations(ctx, projection)
	if err != nil || building == NoGeneration {
		return err
	}
	_, _, n, p, _ := s.genKeys(projection)
	if err := s.master.Del(ctx, n, p).Err(); err != nil {
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
	if gen == NoGeneration || gen == live || gen == building {
		return 0, errors.New("refusing to drop a live or building generation")
	}
	return s.deleteMatching(ctx, s.keyspace(projection)+gen+":*")
}

// Position returns how far the rebuild of gen got: the event_log seq up to
// which every event has been applied to it (0 when it has not started).
func (s *Store) Position(ctx context.Context, projection, gen string) (int64, error) {
	_, _, _, p, _ := s.genKeys(projection)
	v, err := s.master.Get(ctx, p).Result()
	if errors.Is(err, goredis.Nil) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the rebuild position of %s: %w", projection, err)
	}
	g, seq, ok := strings.Cut(v, " ")
	if !ok || g != gen {
		return 0, nil // another rebuild's position
	}
	n, err := strconv.ParseInt(seq, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad rebuild position %q of %s", v, projection)
	}
	return n, nil
}

// SetPosition records that every event up to seq has been applied to gen.
func (s *Store) SetPosition(ctx context.Context, projection, gen string, seq int64) error {
	_, _, _, p, _ := s.genKeys(projection)
	if err := s.master.Set(ctx, p, gen+" "+strconv.FormatInt(seq, 10), 0).Err(); err != nil {
		return fmt.Errorf("recording the rebuild position of %s: %w", projection, err)
	}
	return nil
}

// Retired returns a projection's retired generations with their retirement times.
func (s *Store) Retired(ctx context.Context, projection string) (map[string]time.Time, error) {
	_, _, _, _, r := s.genKeys(projection)
	zs, err := s.master.ZRangeWithScores(ctx, r, 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("reading retired generations of %s: %w", projection, err)
	}
	out := make(map[string]time.Time, len(zs))
	for _, z := range zs {
		gen, _ := z.Member.(string)
		out[gen] = time.UnixMilli(int64(z.Score))
	}
	return out, nil
}

// DropRetired deletes every generation of the projection retired more than
// grace ago and returns them. Several workers may run it at once: deleting
// keys twice is harmless.
func (s *Store) DropRetired(ctx context.Context, projection string, grace time.Duration) ([]string, error) {
	retired, err := s.Retired(ctx, projection)
	if err != nil {
		return nil, err
	}
	if len(retired) == 0 {
		return nil, nil
	}
	live, building, err := s.Generations(ctx, projection)
	if err != nil {
		return nil, err
	}
	_, _, _, _, r := s.genKeys(projection)
	var dropped []string
	for gen, at := range retired {
		if time.Since(at) < grace {
			continue
		}
		if gen != live && gen != building { // never true in practice: generations only grow
			if _, err := s.DropGeneration(ctx, projection, gen); err != nil {
				return dropped, err
			}
		}
		if err := s.master.ZRem(ctx, r, gen).Err(); err != nil {
			return dropped, fmt.Errorf("forgetting retired generation %s of %s: %w", gen, projection, err)
		}
		dropped = append(dropped, gen)
	}
	return dropped, nil
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

// liveGen caches one projection's live generation for reads.
type liveGen struct {
	mu   sync.Mutex
	seen atomic.Pointer[genSeen]
}

type genSeen struct {
	gen string // NoGeneration = not built
	at  time.Time
}

// genTTL is how long a process trusts the live generation it read. A switch
// keeps the old generation for a grace (RENTAL_GENERATION_GRACE, at least
// 1 s), longer than this.
const genTTL = 500 * time.Millisecond

// Live returns a projection's live generation as last seen (NoGeneration: not built),
// looking it up again when the cached value is older than genTTL.
func (s *Store) Live(ctx context.Context, projection string) (string, error) {
	lg := s.gens[projection]
	if g := lg.seen.Load(); g != nil && time.Since(g.at) < genTTL {
		return g.gen, nil
	}
	lg.mu.Lock()
	defer lg.mu.Unlock()
	if g := lg.seen.Load(); g != nil && time.Since(g.at) < genTTL {
		return g.gen, nil
	}
	var gen string
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		gen, err = c.Get(ctx, s.keyspace(projection)+"gen").Result()
		if errors.Is(err, goredis.Nil) {
			gen, err = NoGeneration, nil
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("reading live generation of %s: %w", projection, err)
	}
	lg.seen.Store(&genSeen{gen: gen, at: time.Now()})
	return gen, nil
}

// ForgetGenerations makes the next reads look the live generations up again
// (called when a switch is announced).
func (s *Store) ForgetGenerations() {
	for _, lg := range s.gens {
		lg.seen.Store(nil)
	}
}
