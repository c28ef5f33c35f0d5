-- Read-only listing search (EVALSHA_RO, so it runs on replicas).
-- Index members are "<id>|<bedrooms>|<rent>|<price>|<published ms>|<facility mask>",
-- so every filter is checked from the member itself, with no lookup per candidate.
--
-- ARGV[1] generation base ("<prefix>rm:listings:<gen>:")   ARGV[2] scope ("all", "c:<city>", "d:<city>:<district>")
-- ARGV[3] sort: new | price_asc | price_desc     ARGV[4] price min ('-inf' or n)   ARGV[5] price max ('+inf' or n)
-- ARGV[6] bedrooms ('' = any)   ARGV[7] rent type ('' = any)   ARGV[8] facility mask (0 = any)
-- ARGV[9] offset   ARGV[10] limit
-- Returns { total, member, member, ... } for the page.
local base, scope, sort = ARGV[1], ARGV[2], ARGV[3]
local pmin, pmax = ARGV[4], ARGV[5]
local beds, rent, fmask = ARGV[6], ARGV[7], tonumber(ARGV[8])
local offset, limit = tonumber(ARGV[9]), tonumber(ARGV[10])
local priceKey = base .. 'ix:listing:' .. scope .. ':price'
local newKey = base .. 'ix:listing:' .. scope .. ':new'
local ranged = pmin ~= '-inf' or pmax ~= '+inf'
local filtered = beds ~= '' or rent ~= '' or fmask ~= 0

local function fields(m)
  return string.match(m, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
end

local function matches(m)
  if not filtered then return true end
  local _, b, r, _, _, fm = fields(m)
  if beds ~= '' and b ~= beds then return false end
  if rent ~= '' and r ~= rent then return false end
  if fmask ~= 0 and bit.band(tonumber(fm), fmask) ~= fmask then return false end
  return true
end

local out = { 0 }

-- Newest first within a price range: candidates come from the price index,
-- then are ordered by publication time here.
if sort == 'new' and ranged then
  local hits = {}
  for _, m in ipairs(redis.call('ZRANGE', priceKey, pmin, pmax, 'BYSCORE')) do
    if matches(m) then
      local _, _, _, _, pub = fields(m)
      hits[#hits + 1] = { tonumber(pub), m }
    end
  end
  table.sort(hits, function(a, b)
    if a[1] ~= b[1] then return a[1] > b[1] end
    return a[2] > b[2]
  end)
  out[1] = #hits
  for i = offset + 1, math.min(offset + limit, #hits) do out[#out + 1] = hits[i][2] end
  return out
end

-- Unfiltered: the index answers directly.
if not filtered then
  if sort == 'new' then
    out[1] = redis.call('ZCARD', newKey)
    for _, m in ipairs(redis.call('ZRANGE', newKey, offset, offset + limit - 1, 'REV')) do out[#out + 1] = m end
  elseif sort == 'price_desc' then
    out[1] = redis.call('ZCOUNT', priceKey, pmin, pmax)
    for _, m in ipairs(redis.call('ZRANGE', priceKey, pmax, pmin, 'BYSCORE', 'REV', 'LIMIT', offset, limit)) do out[#out + 1] = m end
  else
    out[1] = redis.call('ZCOUNT', priceKey, pmin, pmax)
    for _, m in ipairs(redis.call('ZRANGE', priceKey, pmin, pmax, 'BYSCORE', 'LIMIT', offset, limit)) do out[#out + 1] = m end
  end
  return out
end

-- Filtered: walk the index in order, in chunks, counting every match and
-- keeping the page.
local chunk, pos, total = 1000, 0, 0
while true do
  local ms
  if sort == 'new' then
    ms = redis.call('ZRANGE', newKey, pos, pos + chunk - 1, 'REV')
  elseif sort == 'price_desc' then
    ms = redis.call('ZRANGE', priceKey, pmax, pmin, 'BYSCORE', 'REV', 'LIMIT', pos, chunk)
  else
    ms = redis.call('ZRANGE', priceKey, pmin, pmax, 'BYSCORE', 'LIMIT', pos, chunk)
  end
  for _, m in ipairs(ms) do
    if matches(m) then
      total = total + 1
      if total > offset and total <= offset + limit then out[#out + 1] = m end
    end
  end
  if #ms < chunk then break end
  pos = pos + chunk
end
out[1] = total
return out
