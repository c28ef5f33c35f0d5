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

// The check of the search index (put.lua's '!', '#', '$' and '@' entries):
// each document's bits (and text) at its listing's ordinal are compared one
// by one (compareBits); the bitmaps of the filters and the bit-sliced values
// are also counted (BITCOUNT against the documents that claim a bit), and a
// bit no document claims is found and cleared like an extra member. Texts
// and availability bits are only compared.

// sliceWidths are the widths of the bit-sliced families (search.go).
var sliceWidths = map[string]int{"bm:p": priceBits, "bm:t": timeBits, "bm:k": bookingBits, "bm:v": viewBits}

// countedBits reports whether a key is a bitmap whose every bit belongs to one document.
func countedBits(key string) bool {
	for _, p := range []string{"bm:s:", "bm:b:", "bm:r:", "bm:f:", "bm:p:", "bm:t:", "bm:k:", "bm:v:"} {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

// bitKeys are the counted bitmap keys an entry has a bit in.
func bitKeys(en entry) []string {
	switch kindOf(en.suffix) {
	case bitEntry:
		return []string{en.suffix[1:]}
	case slicedEntry:
		var keys []string
		v := uint64(en.score)
		for i := range sliceWidths[en.suffix[1:]] {
			if v&(1<<i) != 0 {
				keys = append(keys, en.suffix[1:]+":"+strconv.Itoa(i))
			}
		}
		return keys
	}
	return nil
}

// stayBits are the availability bits a held stay [start, end) sets (put.lua, avail).
func stayBits(value string) []string {
	a, b, _ := strings.Cut(value, "|")
	start, _ := strconv.ParseInt(a, 10, 64)
	end, _ := strconv.ParseInt(b, 10, 64)
	var keys []string
	for _, k := range []int64{0, 3, 6, 9} {
		keys = append(keys, "bm:a:s"+strconv.FormatInt(k, 10)+":"+strconv.FormatInt(start>>k, 10))
	}
	keys = append(keys, "bm:a:e:"+strconv.FormatInt(end, 10))
	for d := (start + 7) / 8 * 8; d < end; d += 8 {
		keys = append(keys, "bm:a:c:"+strconv.FormatInt(d, 10))
	}
	return keys
}

// ordinalsOf reads the ordinals of listing ids (-1: none).
func (in Inspector) ordinalsOf(ctx context.Context, ids []string) (map[string]int64, error) {
	out := make(map[string]int64, len(ids))
	for part := range slices.Chunk(ids, ordChunk) {
		vals, err := in.s.master.HMGet(ctx, in.s.ordKey(), part...).Result()
		if err != nil {
			return nil, fmt.Errorf("reading listing ordinals: %w", err)
		}
		for i, v := range vals {
			out[part[i]] = -1
			if str, ok := v.(string); ok {
				out[part[i]], _ = strconv.ParseInt(str, 10, 64)
			}
		}
	}
	return out, nil
}

type textWant struct {
	doc, key, want string
	ord            int64
	cmd            *goredis.StringCmd
}

type bitWant struct {
	doc, what string
	key       string
	ord       int64
	want      int64
	cmd       *goredis.IntCmd
}

// compareBits checks every bit-kind entry of exp at its listing's ordinal.
func (in Inspector) compareBits(ctx context.Context, base string, exp []Expected) ([]Difference, error) {
	var ids []string
	for _, e := range exp {
		for _, en := range e.w.entries {
			if k := kindOf(en.suffix); k == bitEntry || k == slicedEntry || k == textEntry || k == stayEntry {
				ids = append(ids, en.member)
			}
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	slices.Sort(ids)
	ords, err := in.ordinalsOf(ctx, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	var diffs []Difference
	var wants []*bitWant
	var texts []*textWant
	for _, e := range exp {
		for _, en := range e.w.entries {
			kind := kindOf(en.suffix)
			if kind != bitEntry && kind != slicedEntry && kind != textEntry && kind != stayEntry {
				continue
			}
			o := ords[en.member]
			if o < 0 {
				diffs = append(diffs, Difference{Key: e.w.suffix, What: DiffIndex + " " + en.suffix, Want: "an ordinal of " + en.member, Got: absent})
				continue
			}
			add := func(key string, ord, want int64) {
				wants = append(wants, &bitWant{doc: e.w.suffix, what: DiffIndex + " " + key, key: key, ord: ord, want: want})
			}
			switch kind {
			case bitEntry:
				add(en.suffix[1:], o, 1)
			case slicedEntry:
				v := uint64(en.score)
				for i := range sliceWidths[en.suffix[1:]] {
					add(en.suffix[1:]+":"+strconv.Itoa(i), o, int64(v>>i&1))
				}
			case textEntry:
				texts = append(texts, &textWant{doc: e.w.suffix, key: en.suffix[1:] + ":" + strconv.FormatInt(o/textChunk, 10),
					ord: o, want: en.value})
			case stayEntry:
				for _, k := range stayBits(en.value) {
					add(k, o, 1)
				}
			}
		}
	}
	for part := range slices.Chunk(wants, 5000) {
		pipe := in.s.master.Pipeline()
		for _, w := range part {
			w.cmd = pipe.GetBit(ctx, base+w.key, w.ord)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("reading search bitmaps to compare: %w", err)
		}
	}
	for part := range slices.Chunk(texts, 5000) {
		pipe := in.s.master.Pipeline()
		for _, w := range part {
			w.cmd = pipe.HGet(ctx, base+w.key, strconv.FormatInt(w.ord, 10))
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
			return nil, fmt.Errorf("reading search texts to compare: %w", err)
		}
	}
	for _, w := range texts {
		if got, err := w.cmd.Result(); err != nil {
			diffs = append(diffs, Difference{Key: w.doc, What: DiffIndex + " " + w.key, Want: w.want, Got: absent})
		} else if got != w.want {
			diffs = append(diffs, Difference{Key: w.doc, What: DiffIndex + " " + w.key, Want: w.want, Got: got})
		}
	}
	for _, w := range wants {
		got := w.cmd.Val()
		switch {
		case got == w.want:
		case w.want == 1:
			diffs = append(diffs, Difference{Key: w.doc, What: w.what, Want: "bit", Got: absent})
		default:
			diffs = append(diffs, Difference{Key: w.doc, What: w.what, Want: "no bit", Got: "bit"})
		}
	}
	return diffs, nil
}

// extraBits returns the listing ids whose bit in a counted bitmap no
// document claims.
func (in Inspector) extraBits(ctx context.Context, base string, lay layout, key string) ([]string, error) {
	raw, err := in.s.master.Get(ctx, base+key).Result()
	if errors.Is(err, goredis.Nil) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", key, err)
	}
	b := make(bitmap, (len(raw)*8+63)/64)
	fromRedis(b, raw, 0)
	var ords []string
	b.each(func(o int) { ords = append(ords, strconv.Itoa(o)) })
	var extra []string
	for part := range slices.Chunk(ords, ordChunk) {
		vals, err := in.s.master.HMGet(ctx, in.s.ordKey()+":id", part...).Result()
		if err != nil {
			return nil, fmt.Errorf("reading listing ids of %s: %w", key, err)
		}
		ids := make([]string, len(vals))
		pipe := in.s.master.Pipeline()
		ixs := make([]*goredis.StringCmd, len(vals))
		for i, v := range vals {
			ids[i], _ = v.(string)
			ixs[i] = pipe.HGet(ctx, base+lay.owner(key, ids[i]), "ix")
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, goredis.Nil) {
			return nil, fmt.Errorf("reading documents of %s: %w", key, err)
		}
		for i, id := range ids {
			if !claimsBit(ixs[i].Val(), key, id) {
				extra = append(extra, id)
			}
		}
	}
	return extra, nil
}

// claimsBit reports whether a document's entry list sets listing id's bit in
// a counted bitmap key (a '!' line naming it, or a '#' line of its family
// whose value has that slice's bit).
func claimsBit(ix, key, id string) bool {
	family, slice := key, -1
	if i := strings.LastIndexByte(key, ':'); i > 0 {
		if _, ok := sliceWidths[key[:i]]; ok {
			family = key[:i]
			slice, _ = strconv.Atoi(key[i+1:])
		}
	}
	for line := range strings.SplitSeq(ix, "\n") {
		parts := strings.SplitN(line, "\t", 3)
		if len(parts) != 3 || parts[2] != id {
			continue
		}
		if slice < 0 && parts[0] == "!"+key {
			return true
		}
		if v, err := strconv.ParseUint(parts[1], 10, 64); slice >= 0 && err == nil && parts[0] == "#"+family && v>>slice&1 == 1 {
			return true
		}
	}
	return false
}

// clearBit clears a listing's bit in a counted bitmap unless its document
// claims it (checked atomically: a projector may have written it meanwhile).
// ARGV: base, document key, bitmap key, ordinal, '!' line suffix, '#' family, slice (empty for a plain bit).
var clearBit = goredis.NewScript(`
local ix = redis.call('HGET', ARGV[1] .. ARGV[2], 'ix') or ''
local id = string.match(ARGV[2], ':(.*)$')
for line in string.gmatch(ix, '[^\n]+') do
  local suffix, score, member = string.match(line, '^([^\t]*)\t([^\t]*)\t(.*)$')
  if member == id then
    if ARGV[7] == '' and suffix == ARGV[5] then return 0 end
    if ARGV[7] ~= '' and suffix == ARGV[6] and math.floor(tonumber(score) / 2 ^ tonumber(ARGV[7])) % 2 == 1 then return 0 end
  end
end
return redis.call('SETBIT', ARGV[1] .. ARGV[3], ARGV[4], 0)`)

// removeExtraBits clears the bits of ids in a counted bitmap that no
// document claims, and returns those it cleared.
func (in Inspector) removeExtraBits(ctx context.Context, base string, lay layout, key string, ids []string) ([]string, error) {
	ords, err := in.ordinalsOf(ctx, ids)
	if err != nil {
		return nil, err
	}
	family, slice := "", ""
	if i := strings.LastIndexByte(key, ':'); i > 0 {
		if _, ok := sliceWidths[key[:i]]; ok {
			family, slice = "#"+key[:i], key[i+1:]
		}
	}
	var removed []string
	for _, id := range ids {
		if ords[id] < 0 {
			continue
		}
		n, err := clearBit.Run(ctx, in.s.master, nil, base, lay.owner(key, id), key, ords[id], "!"+key, family, slice).Int()
		if err != nil {
			return removed, fmt.Errorf("clearing %s in %s: %w", id, key, err)
		}
		if n > 0 {
			removed = append(removed, id)
		}
	}
	return removed, nil
}
