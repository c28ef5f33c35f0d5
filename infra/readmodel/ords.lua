-- Prepended to put.lua and fresh.lua (writes.go): the ordinals of listings,
-- shared by every projection and generation (P rm:ord, id -> n from 0;
-- P rm:ord:id, n -> id), handed out the first time a listing needs one.
-- ordinals(prefix) returns ordOf(id) for a projection's key prefix; it
-- remembers what it looked up for the rest of the call.
local function ordinals(prefix)
  local ordKey = string.match(prefix, '^(.*rm:)[^:]+:$') .. 'ord'
  local ords = {}
  return function(id)
    local o = ords[id]
    if o then return o end
    o = redis.call('HGET', ordKey, id)
    if not o then
      o = redis.call('INCR', ordKey .. ':seq') - 1
      redis.call('HSET', ordKey, id, o)
      redis.call('HSET', ordKey .. ':id', o, id)
      if o == 0 then
        -- names this numbering: a reader that kept ordinals of another (Redis
        -- lost its data) starts again
        local t = redis.call('TIME')
        redis.call('SET', ordKey .. ':space', t[1] .. '.' .. t[2])
      end
    end
    o = tonumber(o)
    ords[id] = o
    return o
  end
end
