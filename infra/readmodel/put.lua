-- Compare-and-set write of one read-model document and its index entries.
-- An older or duplicate version is a no-op, so events may arrive twice and
-- out of order. The generation is read here, atomically with the write, so a
-- rebuild that starts (gen:next set) can never miss a write.
--
-- ARGV[1] key prefix of the projection ("<prefix>rm:<projection>:")
-- ARGV[2] generation to write ('' = live and building)
-- ARGV[3] doc key suffix      ARGV[4] version
-- ARGV[5] doc JSON            ARGV[6] status      ARGV[7] owner
-- ARGV[8] change notice ('' = none), published on ARGV[9] for the live generation
-- ARGV[9] change channel
-- ARGV[10] n, then n triples: index key suffix, score, member
-- ARGV[11 + 3n] 'repair' (optional): also rewrite a document at the SAME
--   version (`rentalctl check --repair`: the body or index entries differ
--   though the version agrees), and add its plain and hash-field entries even
--   where its ix already lists them (one may have been lost). A newer version
--   is still never overwritten, so a concurrent projector write of a later
--   version wins either way. Counted entries are not re-added: the document
--   cannot tell whether its weight is in the count.
-- Returns how many generations took the write.
--
-- An entry's kind is told by the first character of its key suffix:
--   (plain)  sorted set: ZADD score member; undone by ZREM
--   '+'      counted sorted set: ZINCRBY score member; undone by ZINCRBY -score,
--            and the member goes when it reaches 0. Aggregates (listings per
--            community, price sums) stay exact because an entry is added and
--            undone exactly once, under the version compare-and-set.
--   '='      hash field: HSET member score (the "score" is the value); undone by HDEL
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
local version = tonumber(ARGV[4])
local n = tonumber(ARGV[10])
local repair = ARGV[11 + n * 3] == 'repair'
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

for _, g in ipairs(gens) do
  local base = prefix .. g .. ':'
  local key = base .. ARGV[3]
  local current = tonumber(redis.call('HGET', key, 'v') or '0')
  if version > current or (repair and version == current) then
    local kept = {}
    local old = redis.call('HGET', key, 'ix')
    if old and old ~= '' then
      for line in string.gmatch(old, '[^\n]+') do kept[line] = true end
    end
    -- Add what is new first, then undo what is gone: a counted member whose
    -- weight changed never touches zero on the way.
    for i = 0, n - 1 do
      local suffix, score, member = ARGV[11 + i * 3], ARGV[12 + i * 3], ARGV[13 + i * 3]
      local kind = string.sub(suffix, 1, 1)
      if kind == '=' then
        redis.call('HSET', base .. string.sub(suffix, 2), member, score)
        kept[lines[i + 1]] = nil
      elseif kept[lines[i + 1]] then
        kept[lines[i + 1]] = nil -- the same entry: nothing to do
        if repair and kind ~= '+' then redis.call('ZADD', base .. suffix, score, member) end
      elseif kind == '+' then
        redis.call('ZINCRBY', base .. string.sub(suffix, 2), score, member)
      else
        redis.call('ZADD', base .. suffix, score, member)
      end
    end
    for line in pairs(kept) do
      local suffix, score, member = parse(line)
      local kind = string.sub(suffix, 1, 1)
      if kind == '+' then
        local k = base .. string.sub(suffix, 2)
        local left = tonumber(redis.call('ZINCRBY', k, '-' .. score, member))
        if left <= 0 then redis.call('ZREM', k, member) end
      elseif places[suffix .. '\t' .. member] then
        -- the same place has a new score or value, already written
      elseif kind == '=' then
        redis.call('HDEL', base .. string.sub(suffix, 2), member)
      else
        redis.call('ZREM', base .. suffix, member)
      end
    end
    redis.call('HSET', key, 'v', ARGV[4], 'd', ARGV[5], 's', ARGV[6], 'o', ARGV[7], 'ix', table.concat(lines, '\n'))
    applied = applied + 1
    if g == live and ARGV[8] ~= '' then
      redis.call('PUBLISH', ARGV[9], ARGV[8])
    end
  end
end
return applied
