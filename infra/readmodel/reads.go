package readmodel

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/query"
)

// masterReadTimeout bounds the second try of a read on the master: past it,
// MySQL answers sooner than a struggling Redis would.
const masterReadTimeout = 300 * time.Millisecond

// read runs fn on the replica client and, when that fails (the replica is
// down, still loading, or being promoted; a missing key is not a failure),
// once more on the master, so a lost replica costs one Redis round trip
// instead of sending every query to MySQL. With one Redis both clients are
// the same server and there is no second try.
func (s *Store) read(ctx context.Context, fn func(context.Context, goredis.UniversalClient) error) error {
	err := fn(ctx, s.replica)
	if err == nil || !s.masterFallback || ctx.Err() != nil {
		return err
	}
	mctx, cancel := context.WithTimeout(ctx, masterReadTimeout)
	defer cancel()
	if merr := fn(mctx, s.master); merr != nil {
		return fmt.Errorf("replica: %v; master: %w", err, merr)
	}
	s.log.Debug("read from the master after the replica failed", "err", err)
	return nil
}

// base returns the key base of a projection's live generation, or ErrMiss
// when that read model is not built.
func (s *Store) base(ctx context.Context, projection string) (string, error) {
	gen, err := s.Live(ctx, projection)
	if err != nil {
		return "", err
	}
	if gen == NoGeneration {
		return "", query.ErrMiss
	}
	return s.keyspace(projection) + gen + ":", nil
}

func (s *Store) Listing(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, Listings, "listing:"+id.String())
}

func (s *Store) User(ctx context.Context, id uuid.UUID) (query.Doc, error) {
	return s.doc(ctx, Users, "user:"+id.String())
}

var docFields = []string{"v", "d", "s", "o"}

func (s *Store) doc(ctx context.Context, projection, suffix string) (query.Doc, error) {
	base, err := s.base(ctx, projection)
	if err != nil {
		return query.Doc{}, err
	}
	var vals []any
	err = s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		var err error
		vals, err = c.HMGet(ctx, base+suffix, docFields...).Result()
		return err
	})
	if err != nil {
		return query.Doc{}, fmt.Errorf("reading %s: %w", suffix, err)
	}
	d, ok := parseDoc(vals)
	if !ok {
		return query.Doc{}, query.ErrMiss
	}
	return d, nil
}

func parseDoc(vals []any) (query.Doc, bool) {
	v, _ := vals[0].(string)
	version, err := strconv.ParseInt(v, 10, 64)
	if err != nil || version <= 0 {
		return query.Doc{}, false
	}
	d := query.Doc{Version: version}
	body, _ := vals[1].(string)
	d.JSON = []byte(body)
	d.Status, _ = vals[2].(string)
	if owner, _ := vals[3].(string); owner != "" {
		d.Owner, _ = uuid.Parse(owner)
	}
	return d, true
}

func (s *Store) Listings(ctx context.Context, ids []uuid.UUID) ([]query.Doc, error) {
	return s.docs(ctx, Listings, "listing:", ids)
}

func (s *Store) LandlordListings(ctx context.Context, landlord uuid.UUID, offset, limit int) ([]uuid.UUID, int, error) {
	base, err := s.base(ctx, Listings)
	if err != nil {
		return nil, 0, err
	}
	members, total, err := s.zpage(ctx, base+"ix:landlord:"+landlord.String(), offset, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("reading listings of landlord %s: %w", landlord, err)
	}
	ids, err := memberIDs(members)
	return ids, total, err
}

// zpage reads the size of a sorted set and one page of it, highest score first.
func (s *Store) zpage(ctx context.Context, key string, offset, limit int) ([]string, int, error) {
	var card *goredis.IntCmd
	var page *goredis.StringSliceCmd
	err := s.read(ctx, func(ctx context.Context, c goredis.UniversalClient) error {
		pipe := c.Pipeline()
		card = pipe.ZCard(ctx, key)
		page = pipe.ZRevRange(ctx, key, int64(offset), int64(offset+limit-1))
		_, err := pipe.Exec(ctx)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return page.Val(), int(card.Val()), nil
}
