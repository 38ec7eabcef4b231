-- browser.lua's headers, and each request for a random one of LINKS seeded slugs (PREFIX0000000..), as
-- bench/Redirector.Benchmarks' seed-links names them. With HOT=n, only n of them, spread evenly over the
-- catalogue: the few links a campaign is clicking among many old ones.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "browser.lua")
local links = tonumber(os.getenv("LINKS") or "10000")
local prefix = os.getenv("PREFIX") or "r"
local hot = tonumber(os.getenv("HOT") or "0")
local stride = hot > 0 and math.floor(links / hot) or 1
local choices = hot > 0 and hot or links
math.randomseed(os.time())

request = function()
  return wrk.format("GET", string.format("/%s%07d", prefix, math.random(0, choices - 1) * stride))
end
