-- Writes of documents new to a generation being rebuilt (replay), several
-- per call: what put.lua does for a document the generation does not hold,
-- without what only a live update needs, with the writes of the whole call
-- grouped by key in Go (fresh.go) so this script does no work per entry.
-- put.lua stays the only write of a document the generation already holds:
-- a call that meets one writes nothing and names those held (the caller
-- sends them through put.lua and the others here again), so the version
-- compare-and-set still decides between replay and the workers, which write
-- the same generation meanwhile (docs/ARCHITECTURE.md, "Replay"). A
-- document and its entries are written in the same call: a worker's later
-- put.lua finds the entries it must undo.
--
-- Left out, against put.lua: reading and undoing a previous version's
-- entries (there is none), the change notice and the bitmap versions (bmv;
-- only the live generation has readers), and handing out ordinals (the
-- caller did, with ords.lua, and sends bit offsets and text chunks).
--
-- ARGV[1] key prefix of the projection   ARGV[2] generation (never the live one)
-- ARGV[3] number of documents, then per document:
--   doc key suffix, version, doc JSON, status, owner,
--   summary ('1' .. summary, or '0': no field f), ix (as put.lua keeps it),
-- then, to the end, groups: op, key suffix, n, then n arguments:
--   'z' ZADD key <score member>...     'h' HSET key <field value>...
--   'b' BITFIELD key SET u1 offset 1, for each <offset>
--   '+' ZINCRBY key by member, for each <by member> (summed per member)
-- Returns the positions (from 1) of the documents the generation holds
-- already (then nothing is written), every position when the generation
-- is live, or nothing: all written.
local prefix, gen = ARGV[1], ARGV[2]
local base = prefix .. gen .. ':'
local ndocs = tonumber(ARGV[3])

local held = {}
if redis.call('GET', prefix .. 'gen') == gen then
  for d = 1, ndocs do held[d] = d end
  return held
end
for d = 1, ndocs do
  if redis.call('EXISTS', base .. ARGV[4 + 7 * (d - 1)]) == 1 then held[#held + 1] = d end
end
if #held > 0 then return held end

local i = 4
for _ = 1, ndocs do
  local summary = ARGV[i + 5]
  if string.sub(summary, 1, 1) == '1' then
    redis.call('HSET', base .. ARGV[i], 'v', ARGV[i + 1], 'd', ARGV[i + 2], 's', ARGV[i + 3], 'o', ARGV[i + 4],
      'ix', ARGV[i + 6], 'f', string.sub(summary, 2))
  else
    redis.call('HSET', base .. ARGV[i], 'v', ARGV[i + 1], 'd', ARGV[i + 2], 's', ARGV[i + 3], 'o', ARGV[i + 4],
      'ix', ARGV[i + 6])
  end
  i = i + 7
end

local command = { z = 'ZADD', h = 'HSET' }
while i <= #ARGV do
  local op, key, n = ARGV[i], base .. ARGV[i + 1], tonumber(ARGV[i + 2])
  local from = i + 3
  if op == '+' then
    for j = from, from + n - 1, 2 do redis.call('ZINCRBY', key, ARGV[j], ARGV[j + 1]) end
  elseif op == 'b' then
    -- offsets alone are sent: a quarter of the arguments to parse and copy;
    -- the value is the string '1' (a Lua number is printed with printf for
    -- each bit, measured in Redis's profile)
    local a = {}
    for j = 0, n - 1 do
      a[4 * j + 1], a[4 * j + 2], a[4 * j + 3], a[4 * j + 4] = 'SET', 'u1', ARGV[from + j], '1'
    end
    redis.call('BITFIELD', key, unpack(a))
  else
    redis.call(command[op], key, unpack(ARGV, from, from + n - 1))
  end
  i = from + n
end
return held
