-- Applies the writes of one unit for a range of consecutive batches of one node, pre-aggregated, atomically and at
-- most once.
-- KEYS[1]   the unit's applied-batches hash (node id -> last applied sequence number)
-- KEYS[2..] the counters this call touches
-- ARGV[1] node id, ARGV[2] the first and ARGV[3] the last batch sequence number of the range (batches of one node
-- are applied in increasing order), then a list of operations, each naming its keys by index into KEYS:
--   j counts                JSON {"h":[[key, field, "amount", field, "amount"...]...], "e":[key, "unixtime"...]}:
--                           HINCRBY of each field, EXPIREAT of each key. Amounts and times are strings so that
--                           neither cjson nor the call converts numbers (Lua formats them with printf).
--   v k key1..keyK members  PFADD to each of the K keys of the visitors packed in one string, 16 characters each
--   x key maxlen payload    XADD key MAXLEN ~ maxlen * c payload
-- Returns 1 when applied, 0 when the whole range was (a replay), and the last applied sequence number as a string
-- when only its start was: the caller then applies the rest of the range to this unit.
local applied = redis.call('HGET', KEYS[1], ARGV[1])
local last = tonumber(applied or '0')
if tonumber(ARGV[3]) <= last then
  return 0
end
if tonumber(ARGV[2]) <= last then
  return applied
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
local i = 4
local n = #ARGV
while i <= n do
  local op = ARGV[i]
  if op == 'v' then
    local keyCount = tonumber(ARGV[i + 1])
    local packed = ARGV[i + 2 + keyCount]
    local members = {}
    for at = 1, #packed, 16 do
      members[#members + 1] = string.sub(packed, at, at + 15)
    end
    for k = i + 2, i + 1 + keyCount do
      redis.call('PFADD', KEYS[tonumber(ARGV[k])], unpack(members))
    end
    i = i + 3 + keyCount
  elseif op == 'j' then
    local counts = cjson.decode(ARGV[i + 1])
    for _, write in ipairs(counts.h) do
      local key = KEYS[write[1]]
      for f = 2, #write, 2 do
        redis.call('HINCRBY', key, write[f], write[f + 1])
      end
    end
    local expiries = counts.e
    for e = 1, #expiries, 2 do
      redis.call('EXPIREAT', KEYS[expiries[e]], expiries[e + 1])
    end
    i = i + 2
  elseif op == 'x' then
    redis.call('XADD', KEYS[tonumber(ARGV[i + 1])], 'MAXLEN', '~', ARGV[i + 2], '*', 'c', ARGV[i + 3])
    i = i + 4
  else
    return redis.error_reply('click-apply: unknown operation ' .. tostring(op))
  end
end
return 1
