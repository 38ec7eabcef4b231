-- browser.lua's headers, each request forwarded for one of a list of public addresses in turn (X-Forwarded-For),
-- as a reverse proxy in front of Redirector would send them: run against a Redirector started with
-- Proxy__KnownProxies__0=127.0.0.1 every click is placed by the country lookup, as real clicks are (wrk's own
-- loopback address never is). Addresses of access networks, one or two per country: an address of a hosting
-- network would be counted as a bot of kind scanner (docs/bots.md), not as a click.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "browser.lua")
local addresses = {
  "8.8.8.8", "4.2.2.1",          -- US
  "81.2.69.142", "86.128.0.1",   -- GB (BT)
  "217.5.0.1", "80.128.0.1",     -- DE (Deutsche Telekom)
  "90.0.0.1",                    -- FR (Orange)
  "80.58.0.1",                   -- ES (Telefonica)
  "145.0.0.1",                   -- NL
  "133.0.0.1",                   -- JP
  "200.160.0.1",                 -- BR
  "117.192.0.1",                 -- IN
  "1.128.0.1",                   -- AU (Telstra)
  "24.48.0.1",                   -- CA
}
local requests = {}
local next = 1

init = function(args)
  for i, address in ipairs(addresses) do
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["X-Forwarded-For"] = address
    requests[i] = wrk.format("GET", wrk.path, headers)
  end
end

request = function()
  local r = requests[next]
  next = next % #requests + 1
  return r
end
