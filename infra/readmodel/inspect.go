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

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"

	"github.com/zufang/rental/events"
)

// What a consistency check (infra/ops/check) uses: what a read model should hold
// for an aggregate, comparing that with Redis, counting, and repairing.
//
// Convention every read model keeps, so the check needs little specific:
// documents are hashes "<kind>:<id>" with v (version), d (JSON body), s
// (status), o (owner) and ix (its entries, one per line as put.lua writes
// them). A plain entry (a sorted-set member) belongs to one document; a
// hash-field entry ('=') is one document's field; a counted entry ('+') adds
// the document's weight to a member many documents share (checked as a sum
// over all of them). What each read model adds is its layout (below): which
// of its keys hold plain and hash-field entries, and which document a member
// of such a key belongs to, so members no document claims can be found.

// Expected is what a read model should hold for one aggregate in a given
// state: exactly what its projector writes for that state.
type Expected struct{ w write }

// Key is the document's key under the generation, "<kind>:<id>".
func (e Expected) Key() string { return e.w.suffix }

// Version is the aggregate's version.
func (e Expected) Version() int64 { return e.w.version }

// IndexKeys are the keys the document has a plain or a hash-field entry in:
// plain sorted sets and hashes whose every member or field belongs to one
// document, so their sizes can be counted.
func (e Expected) IndexKeys() []string {
	var keys []string
	for _, en := range e.w.entries {
		switch kindOf(en.suffix) {
		case plainEntry:
			keys = append(keys, en.suffix)
		case hashEntry:
			keys = append(keys, en.suffix[1:])
		}
	}
	return keys
}

// Counted calls fn with each counted entry: the key, the member and the
// weight the document adds to it.
func (e Expected) Counted(fn func(key, member string, weight float64)) {
	for _, en := range e.w.entries {
		if kindOf(en.suffix) == countedEntry {
			fn(en.suffix[1:], en.member, en.score)
		}
	}
}

// ix is the document's list of entries as put.lua writes it.
func (e Expected) ix() string {
	lines := make([]string, len(e.w.entries))
	for i, en := range e.w.entries {
		if kindOf(en.suffix) == hashEntry {
			lines[i] = en.suffix + "\t" + en.member
		} else {
			lines[i] = en.suffix + "\t" + en.arg() + "\t" + en.member
		}
	}
	return strings.Join(lines, "\n")
}

// Kinds of entry (put.lua): the first character of the key suffix.
const (
	plainEntry   = 0
	countedEntry = '+'
	hashEntry    = '='
)

func kindOf(suffix string) byte {
	if suffix != "" && (suffix[0] == countedEntry || suffix[0] == hashEntry) {
		return suffix[0]
	}
	return plainEntry
}

// ExpectListing returns what the listings read model should hold for st.
func (s *Store) ExpectListing(st events.ListingState) (Expected, error) {
	w, err := s.listingWrite(st, nil)
	return Expected{w}, err
}

// ExpectUser returns what the users read model should hold for st.
func (s *Store) ExpectUser(st events.UserState) (Expected, error) {
	w, err := s.userWrite(st, nil)
	return Expected{w}, err
}

// ExpectOrder returns what the orders read model should hold for st.
func (s *Store) ExpectOrder(st events.OrderState) (Expected, error) {
	w, err := s.orderWrite(st, nil)
	return Expected{w}, err
}

// ExpectFavorite returns what the favorites read model should hold for st.
func (s *Store) ExpectFavorite(st events.FavoriteState) (Expected, error) {
	w, err := s.favoriteWrite(st, nil)
	return Expected{w}, err
}

// ExpectListingViews returns what the views read model should hold for st.
func (s *Store) ExpectListingViews(st events.ListingViewsState) (Expected, error) {
	w, err := s.listingViewsWrite(st, nil)
	return Expected{w}, err
}

// ExpectHistory returns what the history read model should hold for st.
func (s *Store) ExpectHistory(st events.HistoryState) (Expected, error) {
	w, err := s.historyWrite(st, nil)
	return Expected{w}, err
}

// layout is what a check knows of a projection's keys besides its documents.
type layout struct {
	// index tells whether a key (under the generation) holds entries that
	// each belong to one document, and their kind: plainEntry (a sorted set)
	// or hashEntry (a hash of fields).
	index func(key string) (byte, bool)
	// owner names the document ("<kind>:<id>") a member (or field) of such a
	// key would belong to; "" when the member cannot be any document's.
	owner func(key, member string) string
}

// layoutOf returns the layout of a projection; keep it in step with the
// entries its ...Write builds (TestLayouts_coverEveryEntry checks it).
func layoutOf(projection string) layout {
	none := func(string) (byte, bool) { return 0, false }
	plain := func(ok bool) (byte, bool) { return plainEntry, ok }
	switch projection {
	case Listings:
		return layout{
			index: func(k string) (byte, bool) {
				if k == "kw" || k == "ixm" {
					return hashEntry, true
				}
				return plain(strings.HasPrefix(k, "ix:") || (strings.HasPrefix(k, "st:") && strings.HasSuffix(k, ":pts")))
			},
			// Members start with the listing's id ("<id>|..."); kw and ixm fields are ids.
			owner: func(_, m string) string { return "listing:" + memberID(m) },
		}
	case Orders:
		return layout{
			index: func(k string) (byte, bool) {
				if k == "reviewdoc" {
					return hashEntry, true
				}
				return plain(strings.HasPrefix(k, "ix:orders:") || strings.HasPrefix(k, "booked:") || strings.HasPrefix(k, "reviews:"))
			},
			// Every member ends with the order's id: "<id>", "<start>|<end>|<id>", "<listing>|<start>|<end>|<id>".
			owner: func(_, m string) string { return "order:" + m[strings.LastIndexByte(m, '|')+1:] },
		}
	case Favorites:
		return layout{
			index: func(k string) (byte, bool) { return plain(strings.HasPrefix(k, "ix:fav:")) },
			// ix:fav:<user> holds listing ids; the pair's id is derived from both.
			owner: func(k, m string) string {
				user, err1 := uuid.Parse(strings.TrimPrefix(k, "ix:fav:"))
				listing, err2 := uuid.Parse(m)
				if err1 != nil || err2 != nil {
					return ""
				}
				return "fav:" + events.FavoriteID(user, listing).String()
			},
		}
	case Views:
		return layout{
			index: func(k string) (byte, bool) { return plain(k == "ix:views") },
			owner: func(_, m string) string { return "views:" + m },
		}
	}
	return layout{index: none, owner: func(string, string) string { return "" }} // users, history: documents only
}

// ixSuffix is how a document's ix names an index key.
func ixSuffix(kind byte, key string) string {
	if kind == hashEntry {
		return "=" + key
	}
	return key
}

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
		return strings.TrimPrefix(strings.TrimPrefix(d.What, DiffIndex+" "), "="), true
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
	repairMarker = "repair"        // put.lua's same-version flag
)

// Compare checks expectations against generation gen of one projection in
// one pipeline: each document's version, body and index-entry list, and each
// index entry's score.
func (s *Store) Compare(ctx context.Context, projection, gen string, exp []Expected) ([]Difference, error) {
	if len(exp) == 0 {
		return nil, nil
	}
	base := s.keyspace(projection) + gen + ":"
	pipe := s.master.Pipeline()
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
	var diffs []Difference
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

// Repair rewrites the expected documents into generation gen through put.lua
// with its same-version flag: a document at an older or the same version is
// rewritten with its index entries; a newer version is left alone, so a
// projector write that lands before or after the repair still wins. It
// returns how many documents it rewrote.
func (s *Store) Repair(ctx context.Context, gen string, exp []Expected) (int, error) {
	if len(exp) == 0 {
		return 0, nil
	}
	if err := putScript.Load(ctx, s.master).Err(); err != nil {
		return 0, fmt.Errorf("loading the write script: %w", err)
	}
	pipe := s.master.Pipeline()
	cmds := make([]*goredis.Cmd, len(exp))
	for i, e := range exp {
		cmds[i] = putScript.EvalSha(ctx, pipe, nil, s.putArgs(gen, e.w, true)...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return 0, fmt.Errorf("repairing %d documents: %w", len(exp), err)
	}
	n := 0
	for _, c := range cmds {
		if applied, _ := c.Int(); applied > 0 {
			n++
		}
	}
	return n, nil
}

// Census counts the documents of kind in generation gen and lists the
// generation's index keys (those its layout says hold entries of single
// documents), in one pass over its keys.
func (s *Store) Census(ctx context.Context, projection, gen, kind string) (int64, []string, error) {
	base := s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	var docs int64
	var index []string
	iter := s.master.Scan(ctx, 0, base+"*", 1000).Iterator()
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
func (s *Store) IndexSizes(ctx context.Context, projection, gen string, keys []string) (map[string]int64, error) {
	base := s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	out := make(map[string]int64, len(keys))
	for chunk := range slices.Chunk(keys, 1000) {
		pipe := s.master.Pipeline()
		cards := make([]*goredis.IntCmd, len(chunk))
		for i, k := range chunk {
			if kind, _ := lay.index(k); kind == hashEntry {
				cards[i] = pipe.HLen(ctx, base+k)
			} else {
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
func (s *Store) Documents(ctx context.Context, projection, gen, kind string, batch int, fn func(ids []string) error) error {
	prefix := s.keyspace(projection) + gen + ":" + kind + ":"
	iter := s.master.Scan(ctx, 0, prefix+"*", int64(batch)).Iterator()
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
func (s *Store) Versions(ctx context.Context, projection, gen string, keys []string) ([]int64, error) {
	base := s.keyspace(projection) + gen + ":"
	pipe := s.master.Pipeline()
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

// removeOrphan deletes a document and undoes its entries (as put.lua does
// for a replaced version) if it is still at the version the check saw; it
// announces the change so caches drop it.
var removeOrphan = goredis.NewScript(`
local key = ARGV[1] .. ARGV[2]
if redis.call('HGET', key, 'v') ~= ARGV[3] then return 0 end
local ix = redis.call('HGET', key, 'ix')
if ix and ix ~= '' then
  for line in string.gmatch(ix, '[^\n]+') do
    local suffix, rest = string.match(line, '^([^\t]*)\t(.*)$')
    local score, member = string.match(rest, '^([^\t]*)\t(.*)$')
    local kind = string.sub(suffix, 1, 1)
    if kind == '=' then
      redis.call('HDEL', ARGV[1] .. string.sub(suffix, 2), rest)
    elseif kind == '+' and member then
      local k = ARGV[1] .. string.sub(suffix, 2)
      if tonumber(redis.call('ZINCRBY', k, '-' .. score, member)) <= 0 then redis.call('ZREM', k, member) end
    else
      redis.call('ZREM', ARGV[1] .. suffix, member or rest)
    end
  end
end
redis.call('DEL', key)
if ARGV[4] ~= '' then redis.call('PUBLISH', ARGV[5], ARGV[4]) end
return 1`)

// RemoveOrphan deletes a document MySQL does not have, with its index
// entries, unless its version changed since it was seen.
func (s *Store) RemoveOrphan(ctx context.Context, projection, gen, key string, version int64) (bool, error) {
	live, err := s.Live(ctx, projection)
	if err != nil {
		return false, err
	}
	notice := ""
	if gen == live {
		notice = strings.Replace(key, ":", " ", 1) + " " + strconv.FormatInt(version, 10)
	}
	n, err := removeOrphan.Run(ctx, s.master, nil, s.keyspace(projection)+gen+":", key, version, notice, s.ChangesChannel()).Int()
	if err != nil {
		return false, fmt.Errorf("removing orphan %s: %w", key, err)
	}
	return n > 0, nil
}

// ExtraMembers returns the members (or fields) of an index key that no
// document claims: the document the layout names for the member does not
// list the entry in its ix.
func (s *Store) ExtraMembers(ctx context.Context, projection, gen, indexKey string) ([]string, error) {
	base := s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	kind, _ := lay.index(indexKey)
	var extra []string
	var cursor uint64
	for {
		scan := s.master.ZScan
		if kind == hashEntry {
			scan = s.master.HScan
		}
		page, next, err := scan(ctx, base+indexKey, cursor, "", 1000).Result()
		if err != nil {
			return nil, fmt.Errorf("scanning %s: %w", indexKey, err)
		}
		var names []string
		for i := 0; i < len(page); i += 2 {
			names = append(names, page[i])
		}
		pipe := s.master.Pipeline()
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
	return s.stillExtra(ctx, base, lay, kind, indexKey, slices.Compact(extra))
}

// stillExtra keeps the candidates that are still members and still
// unclaimed: a projector may have moved them between the scan and the read.
func (s *Store) stillExtra(ctx context.Context, base string, lay layout, kind byte, indexKey string, candidates []string) ([]string, error) {
	if len(candidates) == 0 {
		return nil, nil
	}
	pipe := s.master.Pipeline()
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

// removeExtra removes an index member (or hash field) unless its document
// claims it (checked atomically: a projector may have written that document
// meanwhile). ARGV: base, document key, index key, member, the index key as
// the document's ix names it, 'hash' or 'zset'.
var removeExtra = goredis.NewScript(`
local ix = redis.call('HGET', ARGV[1] .. ARGV[2], 'ix') or ''
for line in string.gmatch(ix, '[^\n]+') do
  local suffix, rest = string.match(line, '^([^\t]*)\t(.*)$')
  if suffix == ARGV[5] then
    local _, member = string.match(rest, '^([^\t]*)\t(.*)$')
    if member == ARGV[4] or rest == ARGV[4] then return 0 end
  end
end
if ARGV[6] == 'hash' then return redis.call('HDEL', ARGV[1] .. ARGV[3], ARGV[4]) end
return redis.call('ZREM', ARGV[1] .. ARGV[3], ARGV[4])`)

// CountedTotals returns every member of a counted sorted set with its score.
func (s *Store) CountedTotals(ctx context.Context, projection, gen, key string) (map[string]float64, error) {
	k := s.keyspace(projection) + gen + ":" + key
	out := map[string]float64{}
	var cursor uint64
	for {
		page, next, err := s.master.ZScan(ctx, k, cursor, "", 1000).Result()
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

// RemoveExtra removes index members no document claims and returns those it removed.
func (s *Store) RemoveExtra(ctx context.Context, projection, gen, indexKey string, members []string) ([]string, error) {
	base := s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	kind, _ := lay.index(indexKey)
	typ := "zset"
	if kind == hashEntry {
		typ = "hash"
	}
	var removed []string
	for _, m := range members {
		n, err := removeExtra.Run(ctx, s.master, nil, base, lay.owner(indexKey, m), indexKey, m, ixSuffix(kind, indexKey), typ).Int()
		if err != nil {
			return removed, fmt.Errorf("removing %s from %s: %w", m, indexKey, err)
		}
		if n > 0 {
			removed = append(removed, m)
		}
	}
	return removed, nil
}

// SearchIndexSize returns how many listings the all-listings price index holds.
func (s *Store) SearchIndexSize(ctx context.Context, gen string) (int64, error) {
	n, err := s.master.ZCard(ctx, s.keyspace(Listings)+gen+":ix:listing:all:price").Result()
	if err != nil {
		return 0, fmt.Errorf("sizing the search index: %w", err)
	}
	return n, nil
}
