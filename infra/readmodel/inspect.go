package readmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
)

// Expected is what a read model should hold for one aggregate in a given state.
type Expected struct {
	Projection string
	Suffix     string // document key under the generation
	Version    int64
	Doc        []byte
	entries    []entry
}

// Difference is one way a read model differs from what MySQL says it should hold.
type Difference struct {
	Key  string `json:"key"`
	What string `json:"what"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

// ExpectListing returns what the listings read model should hold for st.
func (s *Store) ExpectListing(st events.ListingState) (Expected, error) {
	doc, err := json.Marshal(st)
	if err != nil {
		return Expected{}, err
	}
	return Expected{Projection: Listings, Suffix: "listing:" + st.ID.String(), Version: st.Version, Doc: doc,
		entries: s.listingEntries(st)}, nil
}

// ExpectUser returns what the users read model should hold for st.
func (s *Store) ExpectUser(st events.UserState) (Expected, error) {
	doc, err := json.Marshal(st)
	if err != nil {
		return Expected{}, err
	}
	return Expected{Projection: Users, Suffix: "user:" + st.ID.String(), Version: st.Version, Doc: doc}, nil
}

// Compare checks expectations against generation gen of their projection in
// one pipeline: each document's version and body, and each index entry's score.
func (s *Store) Compare(ctx context.Context, gen string, exp []Expected) ([]Difference, error) {
	if len(exp) == 0 {
		return nil, nil
	}
	pipe := s.master.Pipeline()
	docs := make([]*goredis.SliceCmd, len(exp))
	scores := make([][]*goredis.FloatCmd, len(exp))
	values := make([][]*goredis.StringCmd, len(exp))
	for i, e := range exp {
		base := s.keyspace(e.Projection) + gen + ":"
		docs[i] = pipe.HMGet(ctx, base+e.Suffix, "v", "d")
		for _, en := range e.entries {
			var score *goredis.FloatCmd
			var value *goredis.StringCmd
			switch {
			case strings.HasPrefix(en.suffix, "="):
				value = pipe.HGet(ctx, base+en.suffix[1:], en.member)
			case strings.HasPrefix(en.suffix, "+"):
				// A counted entry adds to an aggregate of many documents:
				// there is nothing of this document alone to compare.
			default:
				score = pipe.ZScore(ctx, base+en.suffix, en.member)
			}
			scores[i] = append(scores[i], score)
			values[i] = append(values[i], value)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != goredis.Nil {
		return nil, fmt.Errorf("reading read models to compare: %w", err)
	}
	var diffs []Difference
	for i, e := range exp {
		vals := docs[i].Val()
		got, _ := vals[0].(string)
		body, _ := vals[1].(string)
		switch {
		case got == "":
			diffs = append(diffs, Difference{Key: e.Suffix, What: "missing", Want: "v" + strconv.FormatInt(e.Version, 10), Got: "nothing"})
			continue
		case got != strconv.FormatInt(e.Version, 10):
			diffs = append(diffs, Difference{Key: e.Suffix, What: "version", Want: strconv.FormatInt(e.Version, 10), Got: got})
			continue
		case !bytes.Equal([]byte(body), e.Doc):
			diffs = append(diffs, Difference{Key: e.Suffix, What: "document", Want: string(e.Doc), Got: body})
		}
		for j, en := range e.entries {
			if v := values[i][j]; v != nil {
				if got, err := v.Result(); err != nil || got != en.value {
					diffs = append(diffs, Difference{Key: e.Suffix, What: "index " + en.suffix, Want: en.value, Got: got})
				}
				continue
			}
			if scores[i][j] == nil {
				continue
			}
			score, err := scores[i][j].Result()
			if err == goredis.Nil {
				diffs = append(diffs, Difference{Key: e.Suffix, What: "index " + en.suffix, Want: "member", Got: "absent"})
			} else if score != en.score {
				diffs = append(diffs, Difference{Key: e.Suffix, What: "index " + en.suffix,
					Want: strconv.FormatFloat(en.score, 'f', -1, 64), Got: strconv.FormatFloat(score, 'f', -1, 64)})
			}
		}
	}
	return diffs, nil
}

// CountDocs counts the documents of a kind ("listing", "user") in generation gen.
func (s *Store) CountDocs(ctx context.Context, projection, gen, kind string) (int, error) {
	n := 0
	iter := s.master.Scan(ctx, 0, s.keyspace(projection)+gen+":"+kind+":*", 1000).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("counting %s documents: %w", kind, err)
	}
	return n, nil
}

// SearchIndexSize returns how many listings the all-listings price index holds.
func (s *Store) SearchIndexSize(ctx context.Context, gen string) (int64, error) {
	n, err := s.master.ZCard(ctx, s.keyspace(Listings)+gen+":ix:listing:all:price").Result()
	if err != nil {
		return 0, fmt.Errorf("sizing the search index: %w", err)
	}
	return n, nil
}
