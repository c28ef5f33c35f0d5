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
--   though the version agrees). A newer version is still never overwritten,
--   so a concurrent projector write of a later version wins either way.
-- Returns how many generations took the write.
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
for _, g in ipairs(gens) do
  local base = prefix .. g .. ':'
  local key = base .. ARGV[3]
  local current = tonumber(redis.call('HGET', key, 'v') or '0')
  if version > current or (repair and version == current) then
    local old = redis.call('HGET', key, 'ix')
    if old and old ~= '' then
      for entry in string.gmatch(old, '[^\n]+') do
        local suffix, member = string.match(entry, '^([^\t]*)\t(.*)$')
        redis.call('ZREM', base .. suffix, member)
      end
    end
    local ix = {}
    for i = 0, n - 1 do
      local suffix, score, member = ARGV[11 + i * 3], ARGV[12 + i * 3], ARGV[13 + i * 3]
      redis.call('ZADD', base .. suffix, score, member)
      ix[#ix + 1] = suffix .. '\t' .. member
    end
    redis.call('HSET', key, 'v', ARGV[4], 'd', ARGV[5], 's', ARGV[6], 'o', ARGV[7], 'ix', table.concat(ix, '\n'))
    applied = applied + 1
    if g == live and ARGV[8] ~= '' then
      redis.call('PUBLISH', ARGV[9], ARGV[8])
    end
  end
end
return applied
