-- Hands out the ordinals of listings before a rebuild's fresh.lua calls, so
-- those send bit offsets and do no lookup per entry. An ordinal never
-- changes once given, so giving it ahead of the write is harmless (a replay
-- that stops leaves it unused). The numbering is ords.lua's (P rm:ord,
-- id -> n from 0; P rm:ord:id, n -> id; rm:ord:space named when 0 is given),
-- done for the whole call at once: one HMGET, one INCRBY and two HSETs
-- instead of four commands per listing (~8 µs a listing at 100,000).
-- ARGV[1] a projection's key prefix, ARGV[2..] listing ids, each once.
-- Returns the ordinals, in order.
local ordKey = string.match(ARGV[1], '^(.*rm:)[^:]+:$') .. 'ord'
local n = #ARGV - 1
local have = redis.call('HMGET', ordKey, unpack(ARGV, 2, n + 1))
local out, new = {}, {}
for i = 1, n do
  if have[i] then out[i] = tonumber(have[i]) else new[#new + 1] = i end
end
if #new > 0 then
  local first = redis.call('INCRBY', ordKey .. ':seq', #new) - #new
  local byId, byOrd = {}, {}
  for j, i in ipairs(new) do
    local o = first + j - 1
    out[i] = o
    local s = tostring(o)
    byId[2 * j - 1], byId[2 * j] = ARGV[i + 1], s
    byOrd[2 * j - 1], byOrd[2 * j] = s, ARGV[i + 1]
  end
  redis.call('HSET', ordKey, unpack(byId))
  redis.call('HSET', ordKey .. ':id', unpack(byOrd))
  if first == 0 then
    -- names this numbering (ords.lua)
    local t = redis.call('TIME')
    redis.call('SET', ordKey .. ':space', t[1] .. '.' .. t[2])
  end
end
return out
