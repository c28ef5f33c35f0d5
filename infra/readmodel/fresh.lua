-- Writes of documents new to a generation being rebuilt (replay), several
-- per call: what put.lua does for a document the generation does not hold,
-- without what only a live update needs, and with the writes of the whole
-- call grouped by key. put.lua stays the only write of a document the
-- generation already holds: those are left to it (returned), so the version
-- compare-and-set still decides between replay and the workers, which write
-- the same generation meanwhile (docs/ARCHITECTURE.md, "Replay").
--
-- Left out, against put.lua: reading and undoing a previous version's
-- entries (there is none), the change notice and the bitmap versions (bmv;
-- only the live generation has readers). Grouped: one ZADD per sorted set,
-- one HSET per hash, one BITFIELD per bitmap for every bit the call sets,
-- and the counted entries summed per member, one ZINCRBY each.
--
-- ARGV[1] key prefix of the projection   ARGV[2] generation (never the live one)
-- ARGV[3] texts per chunk (search.go's textChunk, as put.lua's text)
-- ARGV[4] number of documents, then per document:
--   doc key suffix, version, doc JSON, status, owner,
--   summary ('1' .. summary, or '0': no field f), ix (as put.lua keeps it),
--   m, then m triples: op .. key suffix, value, member, op being
--     'z' ZADD key value member      '+' ZINCRBY key value member (summed)
--     'h' HSET key member value      'b' SETBIT key <ordinal of member> 1
--     't' HSET key:<ordinal / ARGV[3]> <ordinal of member> value
-- Returns the positions (from 1) of the documents not written: the
-- generation holds them already, or is live; the caller sends those
-- through put.lua.
local prefix, gen = ARGV[1], ARGV[2]
local base = prefix .. gen .. ':'
local perChunk = tonumber(ARGV[3])
local ndocs = tonumber(ARGV[4])
local left = {}

if redis.call('GET', prefix .. 'gen') == gen then
  for d = 1, ndocs do left[d] = d end
  return left
end

-- Ordinals of listings, shared by every projection and generation (ords.lua).
local ordOf = ordinals(prefix)

-- What the call writes, by operation and key: argument lists.
local zadd, hset, bits, sums, order = {}, {}, {}, {}, {}
local function list(t, key)
  local l = t[key]
  if not l then
    l = {}
    t[key] = l
  end
  return l
end

local i = 5
for d = 1, ndocs do
  local key = base .. ARGV[i]
  local m = tonumber(ARGV[i + 7])
  local ops = i + 8
  if redis.call('EXISTS', key) == 1 then
    left[#left + 1] = d
  else
    for j = ops, ops + 3 * (m - 1), 3 do
      local op, k, value, member = string.sub(ARGV[j], 1, 1), base .. string.sub(ARGV[j], 2), ARGV[j + 1], ARGV[j + 2]
      if op == 'z' then
        local l = list(zadd, k)
        l[#l + 1] = value
        l[#l + 1] = member
      elseif op == '+' then
        local s = list(sums, k)
        if not s[member] then order[#order + 1] = { k, member } end
        s[member] = (s[member] or 0) + tonumber(value)
      elseif op == 'h' then
        local l = list(hset, k)
        l[#l + 1] = member
        l[#l + 1] = value
      elseif op == 'b' then
        local l = list(bits, k)
        l[#l + 1] = 'SET'
        l[#l + 1] = 'u1'
        l[#l + 1] = ordOf(member)
        l[#l + 1] = 1
      elseif op == 't' then
        local o = ordOf(member)
        local l = list(hset, k .. ':' .. math.floor(o / perChunk))
        l[#l + 1] = o
        l[#l + 1] = value
      end
    end
    local summary = ARGV[i + 5]
    if string.sub(summary, 1, 1) == '1' then
      redis.call('HSET', key, 'v', ARGV[i + 1], 'd', ARGV[i + 2], 's', ARGV[i + 3], 'o', ARGV[i + 4], 'ix', ARGV[i + 6],
        'f', string.sub(summary, 2))
    else
      redis.call('HSET', key, 'v', ARGV[i + 1], 'd', ARGV[i + 2], 's', ARGV[i + 3], 'o', ARGV[i + 4], 'ix', ARGV[i + 6])
    end
  end
  i = ops + 3 * m
end

for k, l in pairs(zadd) do redis.call('ZADD', k, unpack(l)) end
for k, l in pairs(hset) do redis.call('HSET', k, unpack(l)) end
for k, l in pairs(bits) do redis.call('BITFIELD', k, unpack(l)) end
for _, p in ipairs(order) do redis.call('ZINCRBY', p[1], sums[p[1]][p[2]], p[2]) end
return left
