-- Read-only suggestions (EVALSHA_RO): the blocks and titles of published
-- listings that contain a text, most listings first, then by name.
--
-- KEYS none. ARGV[1] generation base of listings, ARGV[2] lower-cased text,
-- ARGV[3] how many of each.
-- Returns { blocks, titles }, each a flat list name, count, name, count...
local base, q, limit = ARGV[1], ARGV[2], tonumber(ARGV[3])

local function best(key)
  local all = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  local hits = {}
  for i = 1, #all, 2 do
    if string.find(string.lower(all[i]), q, 1, true) then
      hits[#hits + 1] = { all[i], tonumber(all[i + 1]) }
    end
  end
  table.sort(hits, function(a, b)
    if a[2] ~= b[2] then return a[2] > b[2] end
    return a[1] < b[1]
  end)
  local out = {}
  for i = 1, math.min(limit, #hits) do
    out[#out + 1] = hits[i][1]
    out[#out + 1] = tostring(hits[i][2])
  end
  return out
end

return { best(base .. 'sg:block'), best(base .. 'sg:title') }
