#!/usr/bin/env bash
# Measures what a hard crash loses: clicks answered with a redirect but never counted.
# Runs steady traffic (wrk) against a real link, kill -9s the service in the middle, starts it again on the
# same data directory and Redis, waits until the spool is drained, and compares counted clicks with the
# redirects wrk received. Prints the loss in clicks and in milliseconds of traffic at the measured rate.
# Usage: bench/crash-window.sh [rounds]   (needs wrk, redis-server, jq; builds Release first)
set -euo pipefail
rounds=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
key=bench-key-0123456789abcdef
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cleanup() { kill -9 ${service_pid:-} 2>/dev/null || true; redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
trap 'cat "$work/service.log" | tail -20 >&2' ERR

dotnet build "$root/src/Redirector" -c Release --nologo -v q >/dev/null
redis_port=$(free_port); port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize yes --logfile "$work/redis.log"

start_service() {
  ConnectionStrings__Redis="127.0.0.1:$redis_port" ConnectionStrings__Catalog="Data Source=$work/catalog.db" \
  Analytics__DataDirectory="$work/data" Api__InitialKey=$key Logging__LogLevel__Default=Warning \
    dotnet "$root/src/Redirector/bin/Release/net10.0/Redirector.dll" --urls "http://127.0.0.1:$port" >>"$work/service.log" 2>&1 &
  service_pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.1; done
}
counted() { curl -sf "http://127.0.0.1:$port/api/links/crash/stats" -H "X-Api-Key: $key" | jq .clicks; }
drained() { curl -sf "http://127.0.0.1:$port/readyz" | jq -e '.checks.analytics.data | .redisConnected and .spooledBatches == 0 and .queuedClicks == 0' >/dev/null; }

start_service
curl -sf -X POST "http://127.0.0.1:$port/api/links" -H "X-Api-Key: $key" -H 'Content-Type: application/json' \
  -d '{"url":"https://example.com/landing","slug":"crash"}' >/dev/null
cat >"$work/agent.lua" <<'LUA'
wrk.headers["User-Agent"] = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
wrk.headers["Referer"] = "https://news.example/story"
-- Counts the redirects actually received; requests cut off by the kill are not answered clicks.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() redirects = 0 end
function response(status) if status == 302 then redirects = redirects + 1 end end
function done()
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("redirects") end
  io.write("redirects " .. total .. "\n")
end
LUA

echo "round  answered  counted  lost  rate(req/s)  lost window(ms)"
for round in $(seq 1 "$rounds"); do
  # Warm the fresh process (JIT, rule compilation) so the round measures steady state, not a cold start.
  wrk -t1 -c8 -d1s -s "$work/agent.lua" "http://127.0.0.1:$port/crash" >/dev/null 2>&1
  until drained; do sleep 0.2; done
  total_before=$(counted)
  wrk -t1 -c8 -d4s -s "$work/agent.lua" "http://127.0.0.1:$port/crash" >"$work/wrk.txt" 2>&1 &
  wrk_pid=$!
  sleep 2
  kill -9 "$service_pid"
  wait "$wrk_pid" || true
  answered=$(sed -n 's/^redirects \([0-9]*\)$/\1/p' "$work/wrk.txt")
  start_service
  until drained; do sleep 0.2; done
  total=$(counted)
  round_counted=$((total - total_before))
  lost=$((answered - round_counted))
  rate=$((answered / 2))
  window=$(awk -v l="$lost" -v r="$rate" 'BEGIN { printf "%.1f", (r > 0 ? 1000 * l / r : 0) }')
  printf "%5d  %8d  %7d  %4d  %11d  %15s\n" "$round" "$answered" "$round_counted" "$lost" "$rate" "$window"
done
