-- browser.lua's headers, and each request for one of LINKS seeded slugs (PREFIX0000000.., as bench/Redirector.Benchmarks'
-- seed-links names them) drawn from a Zipf distribution of exponent ZIPF_S (1.0 by default): the link of popularity
-- rank k is asked for with probability proportional to 1 / k^s. At s = 1 over 100,000 links the first link gets 8% of
-- the requests, the first 100 links 43%, and the other 99,900 the remaining 57%: a few hot campaigns and a
-- long tail of old links, as real clicks spread.
--
-- Ranks are not slugs: rank k is the slug numbered (k - 1) * stride mod LINKS, with the stride the first number from
-- 0.618 * LINKS up that shares no factor with LINKS (so every rank has its own slug). The hot links are scattered
-- over the catalogue (at 100,000 the stride is 61,801: ranks 1-4 are slugs 0, 61,801, 23,602, 85,403) rather than
-- being its first rows, and are the same in every run and on both sides of the comparison.
--
-- The cumulative distribution is computed once per thread in init() (LINKS doubles); each request draws a uniform
-- number and finds its rank by binary search (17 steps at 100,000).
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "browser.lua")
local links = tonumber(os.getenv("LINKS") or "100000")
local prefix = os.getenv("PREFIX") or "z"
local s = tonumber(os.getenv("ZIPF_S") or "1.0")
local cumulative = {}
local stride

local function gcd(a, b)
  while b ~= 0 do a, b = b, a % b end
  return a
end

init = function(args)
  local total = 0
  for k = 1, links do
    total = total + 1 / k ^ s
    cumulative[k] = total
  end
  for k = 1, links do cumulative[k] = cumulative[k] / total end
  cumulative[links] = 1
  stride = math.floor(links * 0.618)
  while gcd(stride, links) ~= 1 do stride = stride + 1 end
  math.randomseed(os.time())
end

request = function()
  local u = math.random()
  local low, high = 1, links
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] < u then low = middle + 1 else high = middle end
  end
  return wrk.format("GET", string.format("/%s%07d", prefix, (low - 1) * stride % links))
end
