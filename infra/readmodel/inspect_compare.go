package readmodel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	goredis "github.com/redis/go-redis/v9"
)

// Difference is one way a read model differs from what MySQL says it should hold.
type Difference struct {
	Key  string `json:"key"`
	What string `json:"what"`
	Want string `json:"want"`
	Got  string `json:"got"`
}

// Absent reports whether the difference is something Redis lacks: the
// document itself (key "") or one entry of the index key named. A count of
// members (or documents) hides as many extra ones as are absent.
func (d Difference) Absent() (key string, ok bool) {
	switch {
	case d.What == DiffMissing:
		return "", true
	case strings.HasPrefix(d.What, DiffIndex+" ") && d.Got == absent:
		return strings.TrimLeft(strings.TrimPrefix(d.What, DiffIndex+" "), "=!"), true
	}
	return "", false
}

// absent is what a Difference got for an index entry Redis does not have.
const absent = "absent"

// Kinds of difference.
const (
	DiffMissing  = "missing"       // no document
	DiffStale    = "version"       // an older version than MySQL's
	DiffAhead    = "newer"         // a newer version than MySQL's: MySQL was restored or rolled back; replay
	DiffDocument = "fields"        // same version, different body (the differing fields follow)
	DiffStatus   = "status"        // same version, different stored status (s: what lists and counts read)
	DiffOwner    = "owner"         // same version, different stored owner (o)
	DiffEntries  = "index entries" // the document's own list of index entries differs
	DiffIndex    = "index"         // an index entry is absent or has the wrong score
	DiffOrphan   = "orphan"        // a document of an aggregate MySQL does not have
	DiffExtra    = "extra member"  // an index member no document claims
	DiffSum      = "counted"       // a counted member's total differs from its documents' weights: replay
	DiffNotBuilt = "generation"    // the read model has no live generation
	DiffCount    = "count"         // sizes differ (reported by the check)
)

// Compare checks expectations against generation gen of one projection in
// one pipeline: each document's version, body and index-entry list, and each
// index entry's score.
func (in Inspector) Compare(ctx context.Context, projection, gen string, exp []Expected) ([]Difference, error) {
	if len(exp) == 0 {
		return nil, nil
	}
	base := in.s.keyspace(projection) + gen + ":"
	pipe := in.s.master.Pipeline()
	docs := make([]*goredis.SliceCmd, len(exp))
	scores := make([][]*goredis.FloatCmd, len(exp))
	values := make([][]*goredis.StringCmd, len(exp))
	for i, e := range exp {
		docs[i] = pipe.HMGet(ctx, base+e.w.suffix, "v", "d", "ix", "s", "o")
		scores[i] = make([]*goredis.FloatCmd, len(e.w.entries))
		values[i] = make([]*goredis.StringCmd, len(e.w.entries))
		for j, en := range e.w.entries {
			switch kindOf(en.suffix) {
			case hashEntry:
				values[i][j] = pipe.HGet(ctx, base+en.suffix[1:], en.member)
			case plainEntry:
				scores[i][j] = pipe.ZScore(ctx, base+en.suffix, en.member)
			}
			// A counted entry adds to a member many documents share: checked
			// as a sum (see the check's counts).
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
		return nil, fmt.Errorf("reading read models to compare: %w", err)
	}
	diffs, err := in.compareBits(ctx, base, exp)
	if err != nil {
		return nil, err
	}
	for i, e := range exp {
		vals := docs[i].Val()
		got, _ := vals[0].(string)
		body, _ := vals[1].(string)
		ix, _ := vals[2].(string)
		status, _ := vals[3].(string)
		owner, _ := vals[4].(string)
		version, _ := strconv.ParseInt(got, 10, 64)
		want := strconv.FormatInt(e.w.version, 10)
		switch {
		case got == "":
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffMissing, Want: "v" + want, Got: "nothing"})
			continue
		case version < e.w.version:
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffStale, Want: want, Got: got})
			continue
		case version > e.w.version:
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffAhead, Want: want, Got: got})
			continue
		case !bytes.Equal([]byte(body), e.w.doc):
			fields, want, got := fieldDiff(e.w.doc, []byte(body))
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffDocument + " " + fields, Want: want, Got: got})
		}
		if status != e.w.status {
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffStatus, Want: e.w.status, Got: status})
		}
		if owner != e.w.owner {
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffOwner, Want: e.w.owner, Got: owner})
		}
		if wantIx := e.ix(); ix != wantIx {
			diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffEntries, Want: display(wantIx), Got: display(ix)})
		}
		for j, en := range e.w.entries {
			if v := values[i][j]; v != nil {
				if got, err := v.Result(); errors.Is(err, goredis.Nil) {
					diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffIndex + " " + en.suffix, Want: en.value, Got: absent})
				} else if got != en.value {
					diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffIndex + " " + en.suffix, Want: en.value, Got: got})
				}
				continue
			}
			if scores[i][j] == nil {
				continue
			}
			score, err := scores[i][j].Result()
			if errors.Is(err, goredis.Nil) {
				diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffIndex + " " + en.suffix, Want: "member", Got: absent})
			} else if score != en.score {
				diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffIndex + " " + en.suffix,
					Want: strconv.FormatFloat(en.score, 'f', -1, 64), Got: strconv.FormatFloat(score, 'f', -1, 64)})
			}
		}
	}
	return diffs, nil
}

// fieldDiff names the top-level fields in which two JSON documents differ
// and returns those fields of each, as JSON.
func fieldDiff(want, got []byte) (string, string, string) {
	var w, g map[string]json.RawMessage
	if json.Unmarshal(want, &w) != nil || json.Unmarshal(got, &g) != nil {
		return "(body)", string(want), string(got)
	}
	var names []string
	for k, v := range w {
		if !bytes.Equal(v, g[k]) {
			names = append(names, k)
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	pick := func(m map[string]json.RawMessage) string {
		sub := map[string]json.RawMessage{}
		for _, k := range names {
			if v, ok := m[k]; ok {
				sub[k] = v
			}
		}
		b, _ := json.Marshal(sub)
		return string(b)
	}
	return strings.Join(names, ","), pick(w), pick(g)
}

// display shows a document's entry list on one line.
func display(s string) string { return strings.NewReplacer("\n", " | ", "\t", " ").Replace(s) }
