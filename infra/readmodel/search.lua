-- Read-only listing search (EVALSHA_RO, so it runs on replicas).
-- Index members are "<id>|<bedrooms>|<rent>|<price>|<published ms>|<facility mask>",
-- so every filter but the keyword and the dates is checked from the member itself.
--
-- ARGV[1] generation base of listings ("<prefix>rm:listings:<gen>:")
-- ARGV[2] scope ("all", "c:<city>", "d:<city>:<district>")
-- ARGV[3] sort: new | price_asc | price_desc | bookings | views
-- ARGV[4] price min ('-inf' or n)   ARGV[5] price max ('+inf' or n)
-- ARGV[6] bedrooms ('' = any)   ARGV[7] rent type ('' = any)   ARGV[8] facility mask (0 = any: must have all)
-- ARGV[9] offset   ARGV[10] limit
-- ARGV[11] keyword, lower-cased ('' = any): a plain substring of the listing's search text
-- ARGV[12] first day, ARGV[13] last day + 1 (days since 1970-01-01; '' = any): the listing must be free for all of them
-- ARGV[14] generation base of orders (with dates)   ARGV[15] longest stay in days (with dates)
-- ARGV[16] generation base of views (sort = views)
-- ARGV[17] most listings a keyword is checked against   ARGV[18] most stays a date search reads
-- Returns { total, member, member, ... } for the page, or { -1 } when the
-- search would take more than its budget (ARGV[17], ARGV[18]): MySQL answers it.
local base, scope, sort = ARGV[1], ARGV[2], ARGV[3]
local pmin, pmax = ARGV[4], ARGV[5]
local beds, rent, fmask = ARGV[6], ARGV[7], tonumber(ARGV[8])
local offset, limit = tonumber(ARGV[9]), tonumber(ARGV[10])
local keyword = ARGV[11]
local dated = ARGV[12] ~= ''
local priceKey = base .. 'ix:listing:' .. scope .. ':price'
local ranged = pmin ~= '-inf' or pmax ~= '+inf'
local lo, hi = -math.huge, math.huge
if pmin ~= '-inf' then lo = tonumber(pmin) end
if pmax ~= '+inf' then hi = tonumber(pmax) end
-- Filters only the member can tell (besides price and dates, which have their own paths).
local memberFiltered = beds ~= '' or rent ~= '' or fmask ~= 0 or keyword ~= ''
local filtered = memberFiltered or dated
local chunk = 1000

-- A keyword is checked listing by listing against its text: over more
-- candidates than the budget that would hold Redis too long (a script blocks
-- every other client), so the caller asks MySQL instead.
if keyword ~= '' and redis.call('ZCOUNT', priceKey, pmin, pmax) > tonumber(ARGV[17]) then
  return { -1 }
end

local function fields(m)
  return string.match(m, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)$')
end

local function idOf(m) return string.sub(m, 1, 36) end

local function priceOf(m)
  local _, _, _, p = fields(m)
  return tonumber(p)
end

local function inRange(p) return p >= lo and p <= hi end

-- Listings an order holds dates of, overlapping [first, last). Entries are
-- "<listing id>|<start day>|<end day>|<order id>" scored by start day; an
-- order starts at most the longest stay before its end, so only that window
-- is read.
local busy, busyCount = {}, 0
if dated then
  local first, last, longest = tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[15])
  local lower, upper = '(' .. (first - longest), '(' .. last
  -- Every stay in the window is read: past the budget, MySQL answers instead.
  if redis.call('ZCOUNT', ARGV[14] .. 'booked:all', lower, upper) > tonumber(ARGV[18]) then
    return { -1 }
  end
  local booked = redis.call('ZRANGE', ARGV[14] .. 'booked:all', lower, upper, 'BYSCORE')
  for _, b in ipairs(booked) do
    -- fixed widths: a 36-character id, then 5-digit day numbers (until 2243)
    local listing = string.sub(b, 1, 36)
    if tonumber(string.sub(b, 44, 48)) > first and not busy[listing] then
      busy[listing] = true
      busyCount = busyCount + 1
    end
  end
end

local function cheap(m)
  local id, b, r, _, _, fm = fields(m)
  if beds ~= '' and b ~= beds then return false end
  if rent ~= '' and r ~= rent then return false end
  if fmask ~= 0 and bit.band(tonumber(fm), fmask) ~= fmask then return false end
  if dated and busy[id] then return false end
  return true
end

-- matching keeps the members of a chunk that pass every filter, in order.
local function matching(ms)
  if not filtered then return ms end
  local kept = {}
  for _, m in ipairs(ms) do
    if cheap(m) then kept[#kept + 1] = m end
  end
  if keyword == '' or #kept == 0 then return kept end
  local ids = {}
  for i, m in ipairs(kept) do ids[i] = idOf(m) end
  local texts = redis.call('HMGET', base .. 'kw', unpack(ids))
  local out = {}
  for i, m in ipairs(kept) do
    local t = texts[i]
    if t and string.find(t, keyword, 1, true) then out[#out + 1] = m end
  end
  return out
end

-- inScope reports whether a listing's "<city>|<district>|<price>" (hash ixm)
-- puts it in the scope and the price range.
local city, district = string.match(scope, '^[cd]:([^:]*):?(.*)$')
local function inScope(where)
  local c, d, p = string.match(where, '^([^|]*)|([^|]*)|(.*)$')
  if scope ~= 'all' and c ~= city then return false end
  if district and district ~= '' and d ~= district then return false end
  return inRange(tonumber(p))
end

local out = { 0 }

-- A walk reads a sorted set in its order, n members from position pos, by
-- rank: a BYSCORE ... LIMIT offset would skip offset members on every call.
-- The price range is turned into ranks once.
local function walker(key, rev, from, count)
  return function(pos, n)
    if pos >= count then return {} end
    local stop = from + math.min(pos + n, count) - 1
    if rev then return redis.call('ZRANGE', key, from + pos, stop, 'REV') end
    return redis.call('ZRANGE', key, from + pos, stop)
  end
end

local function priceWalker(rev)
  local inRangeCount = redis.call('ZCOUNT', priceKey, pmin, pmax)
  if rev then
    local above = 0
    if pmax ~= '+inf' then above = redis.call('ZCOUNT', priceKey, '(' .. pmax, '+inf') end
    return walker(priceKey, true, above, inRangeCount)
  end
  local below = 0
  if pmin ~= '-inf' then below = redis.call('ZCOUNT', priceKey, '-inf', '(' .. pmin) end
  return walker(priceKey, false, below, inRangeCount)
end

local walk = nil
if sort == 'price_asc' then
  walk = priceWalker(false)
elseif sort == 'price_desc' then
  walk = priceWalker(true)
elseif sort == 'new' or sort == 'bookings' then
  walk = walker(base .. 'ix:listing:' .. scope .. ':' .. sort, true, 0, math.huge)
end

-- No filter but price: the index answers directly.
if walk and not filtered and not (ranged and (sort == 'new' or sort == 'bookings')) then
  if ranged or sort == 'price_asc' or sort == 'price_desc' then
    out[1] = redis.call('ZCOUNT', priceKey, pmin, pmax)
  else
    out[1] = redis.call('ZCARD', priceKey)
  end
  for _, m in ipairs(walk(offset, limit)) do out[#out + 1] = m end
  return out
end

-- Price and dates only: the total is the listings in the price range less
-- the busy ones among them (one lookup per busy listing, not per listing),
-- and the page is found by walking the order from its start, skipping busy
-- listings (and, for the orders the price index does not give, listings out
-- of the price range) until offset + limit are found.
if walk and not memberFiltered then
  local total = redis.call('ZCOUNT', priceKey, pmin, pmax)
  if busyCount > 0 then
    local ids = {}
    for id in pairs(busy) do ids[#ids + 1] = id end
    for i = 1, #ids, chunk do
      local part = { unpack(ids, i, math.min(i + chunk - 1, #ids)) }
      for _, where in ipairs(redis.call('HMGET', base .. 'ixm', unpack(part))) do
        if where and inScope(where) then total = total - 1 end
      end
    end
  end
  out[1] = total
  local byIndexPrice = sort == 'price_asc' or sort == 'price_desc'
  local found, pos, n = 0, 0, math.min(chunk, offset + limit + busyCount + 16)
  while #out - 1 < limit do
    local ms = walk(pos, n)
    for _, m in ipairs(ms) do
      if not busy[idOf(m)] and (byIndexPrice or not ranged or inRange(priceOf(m))) then
        found = found + 1
        if found > offset then
          out[#out + 1] = m
          if #out - 1 == limit then break end
        end
      end
    end
    if #ms < n then break end
    pos, n = pos + n, chunk
  end
  return out
end

if walk and not (ranged and (sort == 'new' or sort == 'bookings')) then
  -- Other filters: walk in order, in chunks, counting every match and keeping the page.
  local pos, total = 0, 0
  while true do
    local ms = walk(pos, chunk)
    for _, m in ipairs(matching(ms)) do
      total = total + 1
      if total > offset and total <= offset + limit then out[#out + 1] = m end
    end
    if #ms < chunk then break end
    pos = pos + chunk
  end
  out[1] = total
  return out
end

-- Orders computed here: newest or most booked within a price range with
-- other filters, most viewed. Candidates come from the price index; the best
-- offset + limit are kept (a bounded insertion, or a full sort for deep pages).
-- Bookings and views are scores of other sorted sets, read per chunk.
local counts = {}
local countKey = ARGV[16] .. 'ix:views'
if sort == 'bookings' then countKey = base .. 'ix:listing:' .. scope .. ':bookings' end
local function key(m)
  local id, _, _, _, pub = fields(m)
  if sort == 'new' then return tonumber(pub) end
  return counts[m] or 0
end

local function before(a, b)
  if a[1] ~= b[1] then return a[1] > b[1] end
  return a[2] > b[2]
end

local k = offset + limit
local full = k > 2000
local best, total = {}, 0
local pos = 0
local candidates = priceWalker(false)
while true do
  local ms = candidates(pos, chunk)
  local hits = matching(ms)
  if sort ~= 'new' and #hits > 0 then
    local names = {}
    for i, m in ipairs(hits) do
      if sort == 'views' then names[i] = idOf(m) else names[i] = m end
    end
    local scores = redis.call('ZMSCORE', countKey, unpack(names))
    for i, m in ipairs(hits) do
      if scores[i] then counts[m] = tonumber(scores[i]) end
    end
  end
  for _, m in ipairs(hits) do
    total = total + 1
    local h = { key(m), m }
    if full then
      best[#best + 1] = h
    elseif #best < k or before(h, best[#best]) then
      local a, b = 1, #best + 1
      while a < b do
        local mid = math.floor((a + b) / 2)
        if before(best[mid], h) then a = mid + 1 else b = mid end
      end
      table.insert(best, a, h)
      if #best > k then best[#best] = nil end
    end
  end
  if #ms < chunk then break end
  pos = pos + chunk
end
if full then table.sort(best, before) end
out[1] = total
for i = offset + 1, math.min(k, #best) do out[#out + 1] = best[i][2] end
return out
