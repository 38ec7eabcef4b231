-- browser.lua's headers, and each request for a new random slug that no catalogue holds (u + 12 digits), paced by
-- delay(): with -cN each connection waits PACE_MS between requests, so N * 1000 / PACE_MS requests a second at most.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "browser.lua")
local pace = tonumber(os.getenv("PACE_MS") or "10")
math.randomseed(os.time())

request = function()
  return wrk.format("GET", string.format("/u%06d%06d", math.random(0, 999999), math.random(0, 999999)))
end

delay = function()
  return pace
end
