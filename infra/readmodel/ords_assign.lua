-- Appended to ords.lua (fresh.go): hands out the ordinals of listings
-- before a rebuild's fresh.lua calls, so those send bit offsets and do no
-- lookup per entry. An ordinal never changes once given, so giving it
-- ahead of the write is harmless (a replay that stops leaves it unused).
-- ARGV[1] a projection's key prefix, ARGV[2..] listing ids.
-- Returns the ordinals, in order.
local ordOf = ordinals(ARGV[1])
local out = {}
for i = 2, #ARGV do out[i - 1] = ordOf(ARGV[i]) end
return out
