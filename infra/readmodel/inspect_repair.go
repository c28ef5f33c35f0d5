package readmodel

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	goredis "github.com/redis/go-redis/v9"
)

// Repair rewrites the expected documents into generation gen through put.lua
// with its same-version flag: a document at an older or the same version is
// rewritten with its index entries; a newer version is left alone, so a
// projector write that lands before or after the repair still wins. It
// returns how many documents it rewrote.
func (in Inspector) Repair(ctx context.Context, gen string, exp []Expected) (int, error) {
	if len(exp) == 0 {
		return 0, nil
	}
	if err := putScript.Load(ctx, in.s.master).Err(); err != nil {
		return 0, fmt.Errorf("loading the write script: %w", err)
	}
	pipe := in.s.master.Pipeline()
	cmds := make([]*goredis.Cmd, len(exp))
	for i, e := range exp {
		cmds[i] = putScript.EvalSha(ctx, pipe, nil, in.s.putArgs(gen, e.w, true)...)
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

// RemoveOrphan deletes a document MySQL does not have, with its index
// entries, unless its version changed since it was seen.
func (in Inspector) RemoveOrphan(ctx context.Context, projection, gen, key string, version int64) (bool, error) {
	live, err := in.s.Live(ctx, projection)
	if err != nil {
		return false, err
	}
	notice := ""
	if kind, id, ok := strings.Cut(key, ":"); ok && gen == live {
		// No summary: a near cache takes the change as Unknown, affecting every answer.
		if id, err := uuid.Parse(id); err == nil {
			notice = docNotice(kind, id, version)
		}
	}
	// put.lua's removal: the document at exactly this version goes, with
	// every entry undone as a new version would undo it.
	n, err := putScript.Run(ctx, in.s.master, nil, in.s.keyspace(projection), gen, key, version, "", "", "", notice,
		in.s.ChangesChannel(), 0, removeMarker).Int()
	if err != nil {
		return false, fmt.Errorf("removing orphan %s: %w", key, err)
	}
	return n > 0, nil
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

// RemoveExtra removes index members no document claims and returns those it removed.
func (in Inspector) RemoveExtra(ctx context.Context, projection, gen, indexKey string, members []string) ([]string, error) {
	base := in.s.keyspace(projection) + gen + ":"
	lay := layoutOf(projection)
	kind, _ := lay.index(indexKey)
	if kind == bitEntry {
		return in.removeExtraBits(ctx, base, lay, indexKey, members)
	}
	typ := "zset"
	if kind == hashEntry {
		typ = "hash"
	}
	var removed []string
	for _, m := range members {
		n, err := removeExtra.Run(ctx, in.s.master, nil, base, lay.owner(indexKey, m), indexKey, m, ixSuffix(kind, indexKey), typ).Int()
		if err != nil {
			return removed, fmt.Errorf("removing %s from %s: %w", m, indexKey, err)
		}
		if n > 0 {
			removed = append(removed, m)
		}
	}
	return removed, nil
}
