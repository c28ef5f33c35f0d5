-- Compare-and-set write of one read-model document and its index entries.
-- An older or duplicate version is a no-op, so events may arrive twice and
-- out of order. The generation is read here, atomically with the write, so a
-- rebuild that starts (gen:next set) can never miss a write.
--
-- ARGV[1] key prefix of the projection ("<prefix>rm:<projection>:")
-- ARGV[2] generation to write ('' = live and building)
-- ARGV[3] doc key suffix      ARGV[4] version
-- ARGV[5] doc JSON            ARGV[6] status      ARGV[7] owner
-- ARGV[8] change notice ('' = none), published on ARGV[9] for the live generation;
--   "<head> TAB <summary>": the summary is kept in the document's field f, and
--   the notice goes out with TAB and the summary of the document it replaced
--   ('-' when there was none, '?' when that one kept none): notices.go
-- ARGV[9] change channel
-- ARGV[10] n, then n triples: index key suffix, score, member
-- ARGV[11 + 3n] 'repair' (optional): also rewrite a document at the SAME
--   version (`rentalctl check --repair`: the body or index entries differ
--   though the version agrees), and add its plain and hash-field entries even
--   where its ix already lists them (one may have been lost). A newer version
--   is still never overwritten, so a concurrent projector write of a later
--   version wins either way. Counted entries are not re-added: the document
--   cannot tell whether its weight is in the count.
-- ARGV[11 + 3n] 'remove' instead (n = 0): delete the document at exactly
--   this version with all its entries (the check's removal of an orphan).
-- Returns how many generations took the write.
--
-- An entry's kind is told by the first character of its key suffix:
--   (plain)  sorted set: ZADD score member; undone by ZREM
--   '+'      counted sorted set: ZINCRBY score member; undone by ZINCRBY -score,
--            and the member goes when it reaches 0. Aggregates (listings per
--            community, price sums) stay exact because an entry is added and
--            undone exactly once, under the version compare-and-set.
--   '='      hash field: HSET member score (the "score" is the value); undone by HDEL
--   '!'      bit: SETBIT at the ordinal of the listing the member names; undone by
--            clearing it. Bitmaps of listings by ordinal are what search.go
--            combines (docs/ARCHITECTURE.md, "Search").
--   '#'      bit-sliced value: the score (an integer >= 0) written as one bit
--            per slice, key suffix .. ':' .. i holding bit i, at the member's
--            ordinal; a new value flips only the bits that differ
--   '$'      a text at the ordinal: HSET key suffix .. ':' .. chunk, field
--            ordinal, the score as value (128 ordinals a chunk); undone by HDEL.
--            The search scans these texts for a keyword (search.go); a write
--            costs one command whatever the text.
--   '@'      a stay: the score is "<start day>|<end day>", the member its
--            listing. Nothing is stored for it; when a stay comes or goes
--            the listing's availability bits (bm:a:…, see avail below) are
--            computed again from its stays in booked:<listing>, so they are
--            exact whatever order the orders' writes arrive in.
-- Ordinals (P rm:ord, id → n from 0; P rm:ord:id, n → id) are handed out (ords.lua)
-- the first time a listing needs one, and never change: every projection and
-- generation shares them. A write that changes a bitmap of family f (the
-- letter after "bm:") bumps field f of the generation's hash bmv (live
-- generation only), so readers know which bitmaps they must read again.
-- The document keeps its entries (field ix, one per line: suffix TAB score TAB
-- member, or for hash fields suffix TAB member) to undo them on the next
-- version. An entry that the next version has again, unchanged, is left as it
-- is: most changes move a few of a listing's entries, not all.
local prefix = ARGV[1]
local live = redis.call('GET', prefix .. 'gen')
local gens = {}
if ARGV[2] ~= '' then
  gens[1] = ARGV[2]
else
  if live then gens[#gens + 1] = live end
  local building = redis.call('GET', prefix .. 'gen:next')
  if building and building ~= live then gens[#gens + 1] = building end
end
local summary = string.match(ARGV[8], '^[^\t]*\t(.*)$')
local version = tonumber(ARGV[4])
local n = tonumber(ARGV[10])
local repair = ARGV[11 + n * 3] == 'repair'
local remove = ARGV[11 + n * 3] == 'remove'
local applied = 0

-- The new entries, as lines and as the (key, member) places they take.
local lines, places = {}, {}
for i = 0, n - 1 do
  local suffix, score, member = ARGV[11 + i * 3], ARGV[12 + i * 3], ARGV[13 + i * 3]
  if string.sub(suffix, 1, 1) == '=' then
    lines[i + 1] = suffix .. '\t' .. member
  else
    lines[i + 1] = suffix .. '\t' .. score .. '\t' .. member
  end
  places[suffix .. '\t' .. member] = true
end

-- parse splits a line; lines written before scores were kept have none.
local function parse(line)
  local suffix, rest = string.match(line, '^([^\t]*)\t(.*)$')
  local score, member = string.match(rest, '^([^\t]*)\t(.*)$')
  if string.sub(suffix, 1, 1) == '=' or not member then return suffix, nil, rest end
  return suffix, score, member
end

-- Ordinals of listings, shared by every projection and generation (ords.lua).
local ordOf = ordinals(prefix)

local function bitsOf(v)
  local out, i = {}, 0
  v = tonumber(v) or 0
  while v > 0 do
    if v % 2 == 1 then out[i] = true end
    v = math.floor(v / 2)
    i = i + 1
  end
  return out
end

local families = {}
local function touch(key)
  local f = string.match(key, '^bm:([^:]+):')
  if f then families[f] = true end
end

local function setbit(base, key, ord, on)
  touch(key)
  redis.call('SETBIT', base .. key, ord, on)
end

-- text keeps (or drops, value nil) the text at an ordinal; each chunk is a
-- family of its own ("x:<chunk>"), so a reader reads again only the chunks
-- whose texts changed.
local function text(base, key, ord, value)
  local chunk = math.floor(ord / 128)
  families['x:' .. chunk] = true
  if value then
    redis.call('HSET', base .. key .. ':' .. chunk, ord, value)
  else
    redis.call('HDEL', base .. key .. ':' .. chunk, ord)
  end
end

-- Availability of a listing, by day number d, at its ordinal:
--   bm:a:c:<d>       a stay holds day d (checkpoints: d a multiple of 8)
--   bm:a:e:<d>       a stay ends on d (d is the day the tenant leaves)
--   bm:a:s<k>:<b>    a stay starts in block b of 2^k days (k = 0, 3, 6, 9)
-- A listing is busy in [first, last) if it is held on first (the checkpoint
-- at or before first, then the starts and ends up to first) or a stay starts
-- after first and before last (whole blocks of starts at each level).
-- Only the stays that can decide a bit a span [s, e) sets are read: those
-- overlapping it or ending on e (so starting after s - maxStayDays, a stay
-- lasting at most maxStayDays, events.MaxStayDays, prepended by writes.go)
-- and those starting in s's block of 2^9 days. The listing's other stays,
-- however many its history holds (a stay waiting for its review holds its
-- dates for good), are never read: holding stays never overlap and last at
-- least a month, so a span's cost is bounded whatever the listing's past.
local levels = { 0, 3, 6, 9 }
local function avail(base, listing, spans)
  local ord = ordOf(listing)
  local done = {}
  local function put(key, value)
    if done[key] then return end
    done[key] = true
    setbit(base, key, ord, value and 1 or 0)
  end
  for _, span in ipairs(spans) do
    local s, e = span[1], span[2]
    local top = math.max(e, (math.floor(s / 512) + 1) * 512)
    local stays = {}
    for _, m in ipairs(redis.call('ZRANGEBYSCORE', base .. 'booked:' .. listing, s - maxStayDays, '(' .. top)) do
      local a, b = string.match(m, '^(%d+)|(%d+)|')
      stays[#stays + 1] = { tonumber(a), tonumber(b) }
    end
    for _, k in ipairs(levels) do
      local b = math.floor(s / 2 ^ k)
      local any = false
      for _, st in ipairs(stays) do
        if math.floor(st[1] / 2 ^ k) == b then any = true end
      end
      put('bm:a:s' .. k .. ':' .. b, any)
    end
    local ends = false
    for _, st in ipairs(stays) do
      if st[2] == e then ends = true end
    end
    put('bm:a:e:' .. e, ends)
    for d = math.ceil(s / 8) * 8, e - 1, 8 do
      local held = false
      for _, st in ipairs(stays) do
        if st[1] <= d and d < st[2] then held = true end
      end
      put('bm:a:c:' .. d, held)
    end
  end
end

for _, g in ipairs(gens) do
  local base = prefix .. g .. ':'
  local key = base .. ARGV[3]
  local current = tonumber(redis.call('HGET', key, 'v') or '0')
  if (version > current and not remove) or ((repair or remove) and version == current) then
    local kept, was = {}, {}
    local old = redis.call('HGET', key, 'ix')
    if old and old ~= '' then
      for line in string.gmatch(old, '[^\n]+') do
        kept[line] = true
        local suffix, score, member = parse(line)
        was[suffix .. '\t' .. member] = score
      end
    end
    families = {}
    local scores = {} -- new score of each place, for the kinds that move bit by bit
    local spans = {}  -- stays that came or went, by listing
    local function span(listing, score)
      local s, e = string.match(score, '^(%d+)|(%d+)$')
      spans[listing] = spans[listing] or {}
      table.insert(spans[listing], { tonumber(s), tonumber(e) })
    end
    -- Add what is new first, then undo what is gone: a counted member whose
    -- weight changed never touches zero on the way.
    for i = 0, n - 1 do
      local suffix, score, member = ARGV[11 + i * 3], ARGV[12 + i * 3], ARGV[13 + i * 3]
      local kind = string.sub(suffix, 1, 1)
      local k = string.sub(suffix, 2)
      if kind == '#' or kind == '$' then scores[suffix .. '\t' .. member] = score end
      if kind == '=' then
        redis.call('HSET', base .. k, member, score)
        kept[lines[i + 1]] = nil
      elseif kept[lines[i + 1]] then
        kept[lines[i + 1]] = nil -- the same entry: nothing to do
        if repair then
          if kind == '!' then
            setbit(base, k, ordOf(member), 1)
          elseif kind == '#' then
            -- every slice as the value says, a stray bit cleared too
            local want, o = bitsOf(score), ordOf(member)
            for b = 0, 63 do
              if want[b] then
                setbit(base, k .. ':' .. b, o, 1)
              elseif redis.call('GETBIT', base .. k .. ':' .. b, o) == 1 then
                setbit(base, k .. ':' .. b, o, 0)
              end
            end
          elseif kind == '$' then
            text(base, k, ordOf(member), score)
          elseif kind == '@' then
            span(member, score)
          elseif kind ~= '+' then
            redis.call('ZADD', base .. suffix, score, member)
          end
        end
      elseif kind == '+' then
        redis.call('ZINCRBY', base .. k, score, member)
      elseif kind == '!' then
        setbit(base, k, ordOf(member), 1)
      elseif kind == '#' then
        local had = bitsOf(was[suffix .. '\t' .. member])
        for b in pairs(bitsOf(score)) do
          if not had[b] then setbit(base, k .. ':' .. b, ordOf(member), 1) end
        end
      elseif kind == '$' then
        text(base, k, ordOf(member), score)
      elseif kind == '@' then
        span(member, score)
      else
        redis.call('ZADD', base .. suffix, score, member)
      end
    end
    for line in pairs(kept) do
      local suffix, score, member = parse(line)
      local kind = string.sub(suffix, 1, 1)
      local k = string.sub(suffix, 2)
      local now = scores[suffix .. '\t' .. member]
      if kind == '+' then
        local ck = base .. k
        local left = tonumber(redis.call('ZINCRBY', ck, '-' .. score, member))
        if left <= 0 then redis.call('ZREM', ck, member) end
      elseif kind == '!' then
        setbit(base, k, ordOf(member), 0)
      elseif kind == '#' then
        local keep = bitsOf(now)
        for b in pairs(bitsOf(score)) do
          if not keep[b] then setbit(base, k .. ':' .. b, ordOf(member), 0) end
        end
      elseif kind == '$' then
        if not now then text(base, k, ordOf(member), nil) end -- a new text of the same place is written
      elseif kind == '@' then
        span(member, score)
      elseif places[suffix .. '\t' .. member] then
        -- the same place has a new score or value, already written
      elseif kind == '=' then
        redis.call('HDEL', base .. k, member)
      else
        redis.call('ZREM', base .. suffix, member)
      end
    end
    for listing, ss in pairs(spans) do avail(base, listing, ss) end
    local before = '-'
    if summary and current > 0 then before = redis.call('HGET', key, 'f') or '?' end
    if remove then
      redis.call('DEL', key)
    elseif summary then
      redis.call('HSET', key, 'v', ARGV[4], 'd', ARGV[5], 's', ARGV[6], 'o', ARGV[7], 'ix', table.concat(lines, '\n'), 'f', summary)
    else
      redis.call('HSET', key, 'v', ARGV[4], 'd', ARGV[5], 's', ARGV[6], 'o', ARGV[7], 'ix', table.concat(lines, '\n'))
    end
    applied = applied + 1
    if g == live then
      for f in pairs(families) do redis.call('HINCRBY', base .. 'bmv', f, 1) end
      if summary then
        redis.call('PUBLISH', ARGV[9], ARGV[8] .. '\t' .. before)
      elseif ARGV[8] ~= '' then
        redis.call('PUBLISH', ARGV[9], ARGV[8])
      end
    end
  end
end
return applied
