-- browser.lua's headers, and each request for a random one of LINKS seeded slugs (PREFIX0000000..), as
-- bench/Redirector.Benchmarks' seed-links names them.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "browser.lua")
local links = tonumber(os.getenv("LINKS") or "10000")
local prefix = os.getenv("PREFIX") or "r"
math.randomseed(os.time())

request = function()
  return wrk.format("GET", string.format("/%s%07d", prefix, math.random(0, links - 1)))
end
