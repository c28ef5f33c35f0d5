package readmodel

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Census counts the documents of kind in generation gen and lists the
// generation's index keys (those its layout says hold entries of single
// documents), in one pass over its keys.
func (in Inspector) Census(ctx context.Context, projection, gen, kind string) (int64, []string, error) {
	base := in.s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	var docs int64
	var index []string
	iter := in.s.master.Scan(ctx, 0, base+"*", 1000).Iterator()
	for iter.Next(ctx) {
		key := strings.TrimPrefix(iter.Val(), base)
		if strings.HasPrefix(key, kind+":") {
			docs++
		} else if _, ok := lay.index(key); ok {
			index = append(index, key)
		}
	}
	if err := iter.Err(); err != nil {
		return 0, nil, fmt.Errorf("counting %s documents: %w", kind, err)
	}
	return docs, index, nil
}

// IndexSizes returns the number of members (or fields) of each index key of gen.
func (in Inspector) IndexSizes(ctx context.Context, projection, gen string, keys []string) (map[string]int64, error) {
	base := in.s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	out := make(map[string]int64, len(keys))
	for chunk := range slices.Chunk(keys, 1000) {
		pipe := in.s.master.Pipeline()
		cards := make([]*goredis.IntCmd, len(chunk))
		for i, k := range chunk {
			switch kind, _ := lay.index(k); kind {
			case hashEntry:
				cards[i] = pipe.HLen(ctx, base+k)
			case bitEntry:
				cards[i] = pipe.BitCount(ctx, base+k, nil)
			default:
				cards[i] = pipe.ZCard(ctx, base+k)
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("sizing indexes: %w", err)
		}
		for i, k := range chunk {
			out[k] = cards[i].Val()
		}
	}
	return out, nil
}

// Documents calls fn with the ids of the documents of kind in gen, in batches.
func (in Inspector) Documents(ctx context.Context, projection, gen, kind string, batch int, fn func(ids []string) error) error {
	prefix := in.s.keyspace(projection) + gen + ":" + kind + ":"
	iter := in.s.master.Scan(ctx, 0, prefix+"*", int64(batch)).Iterator()
	ids := make([]string, 0, batch)
	for iter.Next(ctx) {
		ids = append(ids, strings.TrimPrefix(iter.Val(), prefix))
		if len(ids) == batch {
			if err := fn(ids); err != nil {
				return err
			}
			ids = ids[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("listing %s documents: %w", kind, err)
	}
	if len(ids) > 0 {
		return fn(ids)
	}
	return nil
}

// Versions returns the version of each document (0 when absent).
func (in Inspector) Versions(ctx context.Context, projection, gen string, keys []string) ([]int64, error) {
	base := in.s.keyspace(projection) + gen + ":"
	pipe := in.s.master.Pipeline()
	cmds := make([]*goredis.StringCmd, len(keys))
	for i, k := range keys {
		cmds[i] = pipe.HGet(ctx, base+k, "v")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("reading document versions: %w", err)
	}
	out := make([]int64, len(keys))
	for i, c := range cmds {
		out[i], _ = strconv.ParseInt(c.Val(), 10, 64)
	}
	return out, nil
}

// ExtraMembers returns the members (or fields) of an index key that no
// document claims: the document the layout names for the member does not
// list the entry in its ix.
func (in Inspector) ExtraMembers(ctx context.Context, projection, gen, indexKey string) ([]string, error) {
	base := in.s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	kind, _ := lay.index(indexKey)
	if kind == bitEntry {
		// Found twice: what a projector set or claimed between the two reads
		// is not an extra bit.
		first, err := in.extraBits(ctx, base, lay, indexKey)
		if err != nil || len(first) == 0 {
			return nil, err
		}
		again, err := in.extraBits(ctx, base, lay, indexKey)
		if err != nil {
			return nil, err
		}
		var extra []string
		for _, id := range first {
			if slices.Contains(again, id) {
				extra = append(extra, id)
			}
		}
		return extra, nil
	}
	var extra []string
	var cursor uint64
	for {
		scan := in.s.master.ZScan
		if kind == hashEntry {
			scan = in.s.master.HScan
		}
		page, next, err := scan(ctx, base+indexKey, cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", indexKey, err)
		}
		var names []string
		for i := 0; i < len(page); i += 2 {
			names = append(names, page[i])
		}
		pipe := in.s.master.Pipeline()
		ixs := make([]*goredis.StringCmd, len(names))
		for i, m := range names {
			ixs[i] = pipe.HGet(ctx, base+lay.owner(indexKey, m), "ix")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
			return nil, fmt.Errorf("reading documents of %s: %w", indexKey, err)
		}
		for i, m := range names {
			if !claims(ixs[i].Val(), ixSuffix(kind, indexKey), m) {
				extra = append(extra, m)
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	slices.Sort(extra)
	return in.stillExtra(ctx, base, lay, kind, indexKey, slices.Compact(extra))
}

// stillExtra keeps the candidates that are still members and still
// unclaimed: a projector may have moved them between the scan and the read.
func (in Inspector) stillExtra(ctx context.Context, base string, lay layout, kind byte, indexKey string, candidates []string) ([]string, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	pipe := in.s.master.Pipeline()
	present := make([]func() bool, len(candidates))
	ixs := make([]*goredis.StringCmd, len(candidates))
	for i, m := range candidates {
		if kind == hashEntry {
			c := pipe.HExists(ctx, base+indexKey, m)
			present[i] = c.Val
		} else {
			c := pipe.ZScore(ctx, base+indexKey, m)
			present[i] = func() bool { return c.Err() == nil }
		}
		ixs[i] = pipe.HGet(ctx, base+lay.owner(indexKey, m), "ix")
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("confirming members of %s: %w", indexKey, err)
	}
	var out []string
	for i, m := range candidates {
		if present[i]() && !claims(ixs[i].Val(), ixSuffix(kind, indexKey), m) {
			out = append(out, m)
		}
	}
	return out, nil
}

func memberID(member string) string {
	id, _, _ := strings.Cut(member, "|")
	return id
}

// claims reports whether a document's entry list has member in the index
// key whose entries it lists as suffix (lines are "key TAB score TAB member";
// hash fields and lines written before scores were kept, "key TAB member").
func claims(ix, suffix, member string) bool {
	for line := range strings.SplitSeq(ix, "\n") {
		key, rest, ok := strings.Cut(line, "\t")
		if !ok || key != suffix {
			continue
		}
		if _, m, ok := strings.Cut(rest, "\t"); (ok && m == member) || rest == member {
			return true
		}
	}
	return false
}

// CountedTotals returns every member of a counted sorted set with its score.
func (in Inspector) CountedTotals(ctx context.Context, projection, gen, key string) (map[string]float64, error) {
	k := in.s.keyspace(projection) + gen + ":" + key
	out := map[string]float64{}
	var cursor uint64
	for {
		page, next, err := in.s.master.ZScan(ctx, k, cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", key, err)
		}
		for i := 0; i+1 < len(page); i += 2 {
			v, _ := strconv.ParseFloat(page[i+1], 64)
			out[page[i]] = v
		}
		if cursor = next; cursor == 0 {
			return out, nil
		}
	}
}

// SearchIndexSize returns how many listings the search finds with no filter.
func (in Inspector) SearchIndexSize(ctx context.Context, gen string) (int64, error) {
	n, err := in.s.master.BitCount(ctx, in.s.keyspace(Listings)+gen+":bm:s:all", nil).Result()
	if err != nil {
		return 0, fmt.Errorf("sizing the search index: %w", err)
	}
	return n, nil
}
