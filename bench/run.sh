#!/usr/bin/env bash
# Redirector's load benchmarks (issue 7, and issue 6's Redis-up/Redis-down latency). Figures are printed, never asserted.
#
#   bench/run.sh          load: bare Kestrel 302 vs counted redirect (alternating rounds), clicks counted vs requests,
#                         Redis commands and CPU per click, Redis down; clicks spread over many links, each row against
#                         its own baseline rounds with Redis CPU per click: 10,000 links at random and Zipf(1.0) over
#                         100,000 (the load node's catalogue), uniform over 1,000,000 (a second node of its own); /out
#   bench/run.sh growth   GROWTH_LINKS-link catalogue: seeding, start-up, RSS with the link cache full, hot links vs a
#                         100-link catalogue, random cold links, a scan of unknown slugs, memory per cached link;
#                         then 10k links x 90 days of clicks through the real pipeline
#   bench/run.sh all      both
#
# Settings (environment): DURATION=10s ROUNDS=3 CONNECTIONS=32 WARMUP=30s GROWTH_LINKS=1000000 GROWTH_CAPACITY=1000000
#   SPREAD_ROUNDS=2 (load: rounds per side of the links-spread rows)
#   SEED_CLICKS=500000 SKIP_CLICKS=1 (growth: leave out the 90 days of clicks)
#   GROWTH_DB=postgres (growth): both catalogues in a PostgreSQL 15 cluster of the run's own (initdb into a temp dir
#   under /tmp, run as the postgres user when this runs as root, removed at exit), seeded server-side; default sqlite.
#   WEBHOOK=1 (load): a webhook receiver on loopback (bench/webhook-receiver.py) subscribed to link.clicked of /bench,
#   WEBHOOK_BATCH=100 events per request, before the warm-up; prints events received vs clicks and the delivery lag.
#   LINK_BREAKDOWNS=Events (load): the nodes count links' breakdowns in the event store only (Analytics:LinkBreakdowns),
#   which lowers the links-spread rows' Redis CPU per click.
#   EVENTS=0 (load): the nodes run without the event store (Events:Enabled=false), to show what keeping every click
#   costs a redirect beside the same run's other rows; not with LINK_BREAKDOWNS=Events, which needs the store.
#   GEO=1 (load): one more row, the counted redirect with every click forwarded for a public address (geo.lua,
#   Proxy__KnownProxies__0=127.0.0.1) so that each is placed by the country lookup; checks they are counted under
#   countries. `bench/run.sh geo` runs that row alone.
# Everything listens on 127.0.0.1; its own redis-server (no persistence) and data live in a temp dir removed at exit.
set -euo pipefail
mode=${1:-load}
DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
# Steady state: under load the JIT keeps re-compiling hot methods for about 30 s (the app has far more code to
# tier up than the baseline: 4,000 methods between 5 and 15 s, 76 between 35 and 75 s), so both sides warm up that long.
WARMUP=${WARMUP:-30s}
GROWTH_LINKS=${GROWTH_LINKS:-1000000}
GROWTH_CAPACITY=${GROWTH_CAPACITY:-1000000}
WEBHOOK=${WEBHOOK:-}
WEBHOOK_BATCH=${WEBHOOK_BATCH:-100}
GEO=${GEO:-}
EVENTS=${EVENTS:-1}
# The settings every Redirector node of the load run starts with (the geo row's too).
node_settings=()
[ "$EVENTS" != 0 ] || node_settings+=(Events__Enabled=false)
[ -z "${LINK_BREAKDOWNS:-}" ] || node_settings+=("Analytics__LinkBreakdowns=$LINK_BREAKDOWNS")
# Rounds of the links-spread rows (10,000 at random, Zipf over 100,000, uniform over 1,000,000) on each side.
SPREAD_ROUNDS=${SPREAD_ROUNDS:-2}
SEED_CLICKS=${SEED_CLICKS:-500000}
GROWTH_DB=${GROWTH_DB:-sqlite}
API_KEY=bench-api-key-0123456789
root=$(cd "$(dirname "$0")/.." && pwd)
bench=$root/bench
work=$(mktemp -d /tmp/redirector-bench.XXXXXX)
pids=()
pg_dir=

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$pg_dir" ] || { stop_postgres; rm -rf "$pg_dir"; }
  rm -rf "$work"
}
trap cleanup EXIT

load() { uptime | sed 's/.*load average: /load /'; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() { # url, seconds
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null "$1" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { echo "no answer from $1" >&2; return 1; }
    sleep 0.05
  done
}

# A missing tool would otherwise end the run minutes in, at its first use, with no more than exit status 127.
for tool in wrk redis-server redis-cli jq bc curl python3; do
  command -v "$tool" >/dev/null || { echo "$tool not found: the benchmarks need it (apt-get install wrk redis-server jq bc curl python3)" >&2; exit 1; }
done

echo "== Redirector benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(load)"
echo "   wrk -t1 -c$CONNECTIONS, $ROUNDS x $DURATION per side, warm-up $WARMUP"

echo "-- building (Release)"
dotnet build -c Release "$root/src/Redirector/Redirector.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build -c Release "$bench/Baseline/Baseline.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet build -c Release "$bench/Redirector.Benchmarks/Redirector.Benchmarks.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
tools() { dotnet "$bench/Redirector.Benchmarks/bin/Release/net10.0/Redirector.Benchmarks.dll" "$@"; }

# ---------------------------------------------------------------- processes
redis_port=$(free_port)
redis_pid=
start_redis() {
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" \
    --logfile "$work/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
}
stop_redis() { kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true; }
rcli() { redis-cli -p "$redis_port" "$@"; }

app_pid=
app_port=
# The build start_app starts: the plain Release build, or (growth) the ReadyToRun publish that run.sh starts.
app_dll=$root/src/Redirector/bin/Release/net10.0/Redirector.dll
# start_app <name> <catalogue> [extra env...]: starts Redirector on a fresh port, waits for /healthz. The catalogue is a
# SQLite file, or a PostgreSQL connection string (Host=...; see start_postgres).
# Bots__BurstLinks=0: wrk is one address opening thousands of links a second in the 10,000-links row, which the
# burst rule would count as a scanner (3 clicks counted for 190,274 requests); the bench measures counting, not that rule.
start_app() {
  local name=$1 catalogue=$2; shift 2
  app_port=$(free_port)
  mkdir -p "$work/$name"
  local provider=Sqlite
  case $catalogue in Host=*) provider=PostgreSQL ;; *) catalogue="Data Source=$catalogue" ;; esac
  env ConnectionStrings__Redis="127.0.0.1:$redis_port,abortConnect=false" \
    ConnectionStrings__Catalog="$catalogue" Catalog__Provider=$provider \
    Analytics__DataDirectory="$work/$name" \
    Api__InitialKey=$API_KEY \
    RateLimits__ApiPerMinute=1000000 RateLimits__LinkCreationsPerMinute=1000000 \
    Logging__LogLevel__Default=Warning \
    Logging__LogLevel__Redirector.Links.LinkCacheRefresher=Information \
    Bots__BurstLinks=0 \
    "$@" \
    dotnet "$app_dll" --urls "http://127.0.0.1:$app_port" \
    >"$work/$name.log" 2>&1 &
  app_pid=$!
  pids+=("$app_pid")
  wait_http "http://127.0.0.1:$app_port/healthz" 120
}
stop_app() { kill "$app_pid"; wait "$app_pid" 2>/dev/null || true; }

base_port=$(free_port)
base_pid=
start_baseline() {
  Logging__LogLevel__Default=Warning dotnet "$bench/Baseline/bin/Release/net10.0/Baseline.dll" --urls "http://127.0.0.1:$base_port" \
    >"$work/baseline.log" 2>&1 &
  base_pid=$!
  pids+=("$base_pid")
  wait_http "http://127.0.0.1:$base_port/x" 60
}

api() { curl -fsS -H "X-Api-Key: $API_KEY" -H 'Content-Type: application/json' "$@"; }
create_link() { # slug url
  api -o /dev/null -X POST "http://127.0.0.1:$app_port/api/links" \
    -d "{\"url\":\"$2\",\"slug\":\"$1\",\"utm\":{\"source\":\"newsletter\",\"medium\":\"email\",\"campaign\":\"spring-launch\"}}"
}
# A link whose destination depends on the visitor (docs/links.md): rules on OS, country and language that the
# benchmark's browser matches none of, so every one is evaluated, then a 50/50 split by visitor hash.
create_rule_link() { # slug
  api -o /dev/null -X POST "http://127.0.0.1:$app_port/api/links" -d "{\"url\":\"https://www.example.com/landing/spring\",\"slug\":\"$1\",
    \"utm\":{\"source\":\"newsletter\",\"medium\":\"email\",\"campaign\":\"spring-launch\"},
    \"rules\":[{\"when\":{\"os\":[\"iOS\",\"Android\"]},\"url\":\"https://apps.example.com/\"},
              {\"when\":{\"country\":[\"DE\",\"AT\"],\"language\":\"de\"},\"url\":\"https://www.example.de/\"},
              {\"when\":{\"query\":{\"src\":\"tv\"}},\"url\":\"https://www.example.com/tv\"}],
    \"variants\":[{\"url\":\"https://www.example.com/landing/a\",\"weight\":50},{\"url\":\"https://www.example.com/landing/b\",\"weight\":50}]}"
}
api_clicks() { api "http://127.0.0.1:$app_port/api/links/$1/stats" | jq .clicks; }
total_clicks() { rcli HGET 'rd:{g}:t' c | sed 's/^$/0/'; }
# drain [expected] [port]: waits until the pipeline has written what it was given: the global click total has reached
# <expected> and stopped changing for a second, or has not moved for 5 s, and in both cases the node on <port>
# (default $app_port) has no batch left in its spool for Redis (clicks faster than Redis takes them wait there, and
# a backlog of a 30 s round can take longer than that to apply; at most 10 minutes). Prints the total.
drain() {
  local expected=${1:-0} port=${2:-$app_port} last now still=0 waited=0
  now=$(total_clicks)
  while :; do
    sleep 1; last=$now; now=$(total_clicks); waited=$((waited + 1))
    if [ "$now" = "$last" ]; then still=$((still + 1)); else still=0; fi
    if { [ "$now" -ge "$expected" ] && [ $still -ge 1 ]; } || [ $still -ge 5 ]; then
      [ "$(readyz_analytics "$port" spooledBatches)" != 0 ] && [ $waited -lt 600 ] || break
    fi
  done
  echo "$now"
}
# readyz_analytics <port> <field>: a number from the analytics check of /readyz (the pipeline's state); 0 when the
# node does not answer.
readyz_analytics() { { curl -sS "http://127.0.0.1:$1/readyz" | jq -e ".checks.analytics.data.$2"; } 2>/dev/null || echo 0; }

# report_event_store <slug>: every click counted in Redis is also an event in the event store. A filter that every
# bench click matches (they come from one desktop browser) makes the link's stats come from the store; its consumer
# gathers for a second before each append, so this waits until the store's count stops moving (at most a minute).
report_event_store() {
  local redis_clicks stored last=-1 waited=0
  redis_clicks=$(api_clicks "$1")
  stored=$(api "http://127.0.0.1:$app_port/api/links/$1/stats?deviceType=desktop" | jq .clicks)
  while [ "$stored" != "$redis_clicks" ] && [ "$stored" != "$last" ] && [ $waited -lt 60 ]; do
    sleep 2; waited=$((waited + 2)); last=$stored
    stored=$(api "http://127.0.0.1:$app_port/api/links/$1/stats?deviceType=desktop" | jq .clicks)
  done
  echo "   event store: $stored events of /$1 stored for $redis_clicks clicks counted in Redis (incl. warm-up):" \
    "$([ "$stored" = "$redis_clicks" ] && echo ok || echo FAILED)"
}

# ---------------------------------------------------------------- webhooks (WEBHOOK=1)
hook_port=$(free_port)
# Subscribes a receiver on loopback to the clicks of /bench (batches of WEBHOOK_BATCH), so that the measured rounds pay
# for queuing and sending every click's event.
start_webhook_receiver() {
  python3 "$bench/webhook-receiver.py" "$hook_port" >"$work/webhook-receiver.log" 2>&1 &
  pids+=("$!")
  wait_http "http://127.0.0.1:$hook_port/stats" 20
  api -o /dev/null -X POST "http://127.0.0.1:$app_port/api/webhooks" -d "{\"url\":\"http://127.0.0.1:$hook_port/hook\",\"events\":[\"link.clicked\"],\"linkFilter\":{\"links\":[\"bench\"]},\"batchSize\":$WEBHOOK_BATCH}"
  echo "-- webhook receiver on 127.0.0.1:$hook_port subscribed to link.clicked of /bench, $WEBHOOK_BATCH events per request"
}
# Waits until the receiver has every counted click of /bench (or 60 s without progress), then prints what it got.
report_webhooks() {
  local clicks got last=-1 idle=0
  clicks=$(api_clicks bench)
  while :; do
    got=$(curl -fsS "http://127.0.0.1:$hook_port/stats" | jq .distinct)
    [ "$got" -lt "$clicks" ] || break
    if [ "$got" = "$last" ]; then idle=$((idle + 1)); else idle=0; fi
    [ $idle -lt 60 ] || break
    last=$got; sleep 1
  done
  local stats; stats=$(curl -fsS "http://127.0.0.1:$hook_port/stats")
  echo
  echo "== Webhooks: one receiver on loopback, $WEBHOOK_BATCH events per request"
  echo "   events received (distinct ids) $(echo "$stats" | jq .distinct) for $clicks clicks counted on /bench (incl. warm-up);" \
    "$(echo "$stats" | jq .events) events in $(echo "$stats" | jq .requests) requests"
  echo "   delivery lag (click to arrival): p50 $(echo "$stats" | jq .lag_p50_ms) ms, p99 $(echo "$stats" | jq .lag_p99_ms) ms, max $(echo "$stats" | jq .lag_max_ms) ms"
}

# ---------------------------------------------------------------- wrk
# wrk_run <url> <duration> [lua]: one line "requests rps p50_ms p99_ms errors" from the script's done() hook.
wrk_run() {
  local url=$1 duration=$2 script=${3:-$bench/wrk/browser.lua}
  wrk -t1 -c"$CONNECTIONS" -d"$duration" --latency -s "$script" "$url" >"$work/wrk.out" 2>&1
  grep '^BENCH ' "$work/wrk.out" | tail -1 | cut -d' ' -f2-
}
# cpu_run <pid> <url> <duration> [lua]: wrk_run plus the server's CPU time (user+sys) per request in microseconds as a
# sixth field. On a shared machine this is steadier than requests/s, which also measures everyone else's load.
# The second after the run lets the click pipeline finish what the run gave it, so its work is included.
tick_us=$((1000000 / $(getconf CLK_TCK)))
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
cpu_run() {
  local pid=$1 before result; shift
  before=$(cpu_ticks "$pid")
  result=$(wrk_run "$@")
  sleep 1
  echo "$result $(awk -v t=$(( ($(cpu_ticks "$pid") - before) * tick_us )) -v n="${result%% *}" 'BEGIN { printf "%.1f", t / n }')"
}
field() { echo "$1" | cut -d' ' -f"$2"; }
# readyz <port> <field>: a number from the catalogue check of /readyz (the link cache's state).
readyz() { curl -sS "http://127.0.0.1:$1/readyz" | jq ".checks.catalog.data.$2"; }
# rounds_mean <file of wrk_run or cpu_run lines>: "rps p50 p99 errors cpu": rps, latencies and CPU per request (0
# for wrk_run lines) averaged over the rounds, errors summed.
rounds_mean() { awk '{ r += $2; p50 += $3; p99 += $4; e += $5; c += $6 } END { printf "%.0f %.3f %.3f %d %.1f", r / NR, p50 / NR, p99 / NR, e, c / NR }' "$1"; }
mean() { awk -v f="${1:-%.2f}" '{ s += $1 } END { printf f, s / NR }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
row() { printf '   %-26s %10s %9s %9s %10s\n' "$@"; }

# ---------------------------------------------------------------- links spread (load)
# spread_row <title> <label> <node pid> <node port> <wrk script> [warm-up]: one row of clicks spread over many links.
# An optional warm-up round on the node, then SPREAD_ROUNDS alternating rounds of the baseline and the node with the
# script (its settings, LINKS, PREFIX, ..., come from the caller's environment). Prints req/s, latency and CPU per
# request beside the baseline's, clicks counted against requests completed (checked), the catalogue lookups the
# node made for links it did not hold, and Redis's CPU per click (from /proc, over the node's rounds and the drain
# after the last: the figure LINK_BREAKDOWNS changes). Appends a line to $work/spread.summary.
spread_row() {
  local title=$1 label=$2 pid=$3 port=$4 script=$5 warmup=${6:-} started=$SECONDS
  local target="http://127.0.0.1:$port/" yardstick="http://127.0.0.1:$base_port/"
  echo
  echo "== $title, $SPREAD_ROUNDS alternating rounds of $DURATION"
  local before; before=$(total_clicks)
  if [ -n "$warmup" ]; then
    echo "-- warm-up on the node ($warmup), $(load)"
    local warm; warm=$(wrk_run "$target" "$warmup" "$script")
    before=$(drain $((before + $(field "$warm" 1))) "$port")
  fi
  local lookups_before; lookups_before=$(readyz "$port" catalogueLookups)
  : >"$work/spread-base.rows"; : >"$work/spread-app.rows"
  local round b a redis_ticks completed=0 redis_us=0 after
  for round in $(seq 1 "$SPREAD_ROUNDS"); do
    b=$(cpu_run "$base_pid" "$yardstick" "$DURATION" "$script"); echo "$b" >>"$work/spread-base.rows"
    redis_ticks=$(cpu_ticks "$redis_pid")
    a=$(cpu_run "$pid" "$target" "$DURATION" "$script"); echo "$a" >>"$work/spread-app.rows"
    completed=$((completed + $(field "$a" 1)))
    [ "$round" -lt "$SPREAD_ROUNDS" ] || after=$(drain $((before + completed)) "$port")
    redis_us=$((redis_us + ($(cpu_ticks "$redis_pid") - redis_ticks) * tick_us))
    echo "   round $round: baseline $(field "$b" 2) req/s $(field "$b" 6) us CPU/req | Redirector $(field "$a" 2) req/s $(field "$a" 6) us CPU/req | $(load)"
  done
  local lookups=$(($(readyz "$port" catalogueLookups) - lookups_before)) counted=$((after - before))
  local base app redis_per_click
  base=$(rounds_mean "$work/spread-base.rows") app=$(rounds_mean "$work/spread-app.rows")
  redis_per_click=$(awk -v t="$redis_us" -v n="$counted" 'BEGIN { printf "%.1f", t / n }')
  row "" "req/s" "p50 ms" "p99 ms" "CPU us/req"
  row "bare Kestrel 302" "$(field "$base" 1)" "$(field "$base" 2)" "$(field "$base" 3)" "$(field "$base" 5)"
  row "$label" "$(field "$app" 1)" "$(field "$app" 2)" "$(field "$app" 3)" "$(field "$app" 5)"
  row "ratio" "$(ratio "$(field "$app" 1)" "$(field "$base" 1)")" "$(ratio "$(field "$app" 2)" "$(field "$base" 2)")" \
    "$(ratio "$(field "$app" 3)" "$(field "$base" 3)")" "$(ratio "$(field "$app" 5)" "$(field "$base" 5)")"
  echo "   clicks counted $counted for $completed requests completed; socket errors / bad statuses: baseline $(field "$base" 4), Redirector $(field "$app" 4)"
  echo "   Redis CPU $redis_per_click us per click (link breakdowns: ${LINK_BREAKDOWNS:-Counters}); $(rcli DBSIZE) keys in Redis," \
    "$(rcli INFO memory | awk -F: '/^used_memory_human:/ { sub(/\r/, "", $2); print $2 }') used"
  echo "   link cache: $lookups catalogue lookups for links not held during the rounds ($(ratio "$lookups" "$completed") a request), $(readyz "$port" cachedLinks) links held after"
  # wrk does not count the requests in flight when a round ends, which were answered and counted.
  local check=ok
  if [ "$counted" -lt "$completed" ] || [ "$counted" -gt $((completed + CONNECTIONS * SPREAD_ROUNDS)) ] || [ "$(field "$app" 4)" -ne 0 ]; then
    check=FAILED
  fi
  echo "   check: every request counted once: $check; $(load); $((SECONDS - started)) s"
  printf '   %-26s %9s %9s %7s %11s %7s %12s  %s\n' "$label" "$(field "$app" 1)" "$(field "$base" 1)" "$(ratio "$(field "$app" 1)" "$(field "$base" 1)")" \
    "$(field "$app" 5)" "$(ratio "$(field "$app" 5)" "$(field "$base" 5)")x" "$redis_per_click" "$counted / $completed $check" >>"$work/spread.summary"
}

# ---------------------------------------------------------------- load
run_load() {
  start_redis
  echo "-- seeding the catalogues of the links-spread rows: 10,000 links (r0000000..) and 100,000 (z0000000..) for the"
  echo "   load node, 1,000,000 (u0000000..) for a second node"
  tools seed-links 10000 "$work/load.db" r
  tools seed-links 100000 "$work/load.db" z
  tools seed-links 1000000 "$work/spread.db" u
  start_app load "$work/load.db" ${WEBHOOK:+Webhooks__AllowPrivateAddresses=true} "${node_settings[@]}"
  local load_pid=$app_pid load_port=$app_port
  create_link bench "https://www.example.com/landing/spring?ref=bench"
  [ -z "$WEBHOOK" ] || start_webhook_receiver
  create_rule_link rules
  # The node of the uniform row, started now so that its link cache's warm-up (900,000 links, ~15 s of both cores
  # from 5 s after it listens) runs during the warm-up rounds rather than the measured ones; idle until its row.
  start_app spread "$work/spread.db" "${node_settings[@]}"
  local spread_pid=$app_pid spread_port=$app_port
  app_pid=$load_pid app_port=$load_port
  start_baseline

  local target="http://127.0.0.1:$app_port/bench" yardstick="http://127.0.0.1:$base_port/bench" ruled="http://127.0.0.1:$app_port/rules"
  echo "-- warm-up ($WARMUP each), $(load)"
  wrk_run "$yardstick" "$WARMUP" >/dev/null
  local warm; warm=$(wrk_run "$target" "$WARMUP")
  local warm_rules; warm_rules=$(wrk_run "$ruled" "$WARMUP")
  warm=$(drain "$(( $(field "$warm" 1) + $(field "$warm_rules" 1) ))")
  until grep -q 'Link cache warmed' "$work/spread.log" && grep -q 'Link filter built' "$work/spread.log"; do sleep 1; done
  echo "   second node: $(grep -o 'Link cache warmed.*' "$work/spread.log" | head -1); $(grep -o 'Link filter built.*' "$work/spread.log" | head -1)"
  local spread_idle; spread_idle=$(cpu_ticks "$spread_pid")

  local cmds_before cpu_before
  rcli CONFIG RESETSTAT >/dev/null
  cmds_before=$(rcli INFO stats | awk -F: '/^total_commands_processed/ { print $2 + 0 }')
  cpu_before=$(rcli INFO cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { print s }')
  : >"$work/base.rows"; : >"$work/app.rows"; : >"$work/rules.rows"
  local completed=0 counted_before=$warm counted
  for round in $(seq 1 "$ROUNDS"); do
    local b a r
    b=$(cpu_run "$base_pid" "$yardstick" "$DURATION"); echo "$b" >>"$work/base.rows"
    a=$(cpu_run "$app_pid" "$target" "$DURATION"); echo "$a" >>"$work/app.rows"
    r=$(cpu_run "$app_pid" "$ruled" "$DURATION"); echo "$r" >>"$work/rules.rows"
    completed=$((completed + $(field "$a" 1) + $(field "$r" 1)))
    echo "   round $round: baseline $(field "$b" 2) req/s p99 $(field "$b" 4) ms $(field "$b" 6) us CPU/req" \
      "| Redirector $(field "$a" 2) req/s p99 $(field "$a" 4) ms $(field "$a" 6) us CPU/req" \
      "| rule link $(field "$r" 2) req/s p99 $(field "$r" 4) ms $(field "$r" 6) us CPU/req | $(load)"
  done
  counted=$(drain $((counted_before + completed)))
  local cmds_after cpu_after evalsha
  cmds_after=$(rcli INFO stats | awk -F: '/^total_commands_processed/ { print $2 + 0 }')
  cpu_after=$(rcli INFO cpu | awk -F: '/^used_cpu_(sys|user):/ { s += $2 } END { print s }')
  rcli INFO commandstats >"$work/commandstats"
  evalsha=$(awk -F'[=,:]' '/^cmdstat_evalsha:/ { print $3 }' "$work/commandstats")
  local clicks=$((counted - counted_before))

  local brps bp50 bp99 bcpu arps ap50 ap99 acpu
  brps=$(cut -d' ' -f2 "$work/base.rows" | mean %.0f); bp50=$(cut -d' ' -f3 "$work/base.rows" | mean); bp99=$(cut -d' ' -f4 "$work/base.rows" | mean)
  arps=$(cut -d' ' -f2 "$work/app.rows" | mean %.0f); ap50=$(cut -d' ' -f3 "$work/app.rows" | mean); ap99=$(cut -d' ' -f4 "$work/app.rows" | mean)
  bcpu=$(cut -d' ' -f6 "$work/base.rows" | mean %.1f); acpu=$(cut -d' ' -f6 "$work/app.rows" | mean %.1f)
  local rrps rp50 rp99 rcpu
  rrps=$(cut -d' ' -f2 "$work/rules.rows" | mean %.0f); rp50=$(cut -d' ' -f3 "$work/rules.rows" | mean); rp99=$(cut -d' ' -f4 "$work/rules.rows" | mean)
  rcpu=$(cut -d' ' -f6 "$work/rules.rows" | mean %.1f)
  echo
  echo "== Counted redirect vs bare Kestrel 302 (mean of $ROUNDS alternating rounds of $DURATION, -c$CONNECTIONS)"
  row "" "req/s" "p50 ms" "p99 ms" "CPU us/req"
  row "bare Kestrel 302" "$brps" "$bp50" "$bp99" "$bcpu"
  row "Redirector /bench" "$arps" "$ap50" "$ap99" "$acpu"
  row "ratio Redirector/baseline" "$(ratio "$arps" "$brps")" "$(ratio "$ap50" "$bp50")" "$(ratio "$ap99" "$bp99")" "$(ratio "$acpu" "$bcpu")"
  row "Redirector /rules" "$rrps" "$rp50" "$rp99" "$rcpu"
  row "ratio rule link/baseline" "$(ratio "$rrps" "$brps")" "$(ratio "$rp50" "$bp50")" "$(ratio "$rp99" "$bp99")" "$(ratio "$rcpu" "$bcpu")"
  echo "   socket errors / bad statuses: baseline $(cut -d' ' -f5 "$work/base.rows" | paste -sd+ | bc), Redirector $(cut -d' ' -f5 "$work/app.rows" | paste -sd+ | bc), rule link $(cut -d' ' -f5 "$work/rules.rows" | paste -sd+ | bc)"
  echo "   clicks counted (API stats, after drain): $(api_clicks bench) on /bench and $(api_clicks rules) on /rules incl. warm-up; in the measured rounds $clicks"
  echo "   requests wrk completed in the measured rounds: $completed (difference $((completed - clicks)))"
  [ "$EVENTS" = 0 ] || report_event_store bench
  echo "   Redis: $(ratio $((cmds_after - cmds_before)) "$clicks") commands per click" \
    "($((cmds_after - cmds_before)) commands incl. those run inside scripts and this script's polling; ${evalsha:-0} EVALSHA calls" \
    "= $(ratio "${evalsha:-0}" "$clicks") round trips per click)"
  echo "   Redis CPU: $(awk -v c="$(echo "$cpu_after - $cpu_before" | bc)" -v n="$clicks" 'BEGIN { printf "%.3f s per 100,000 clicks (%.2f s for %d)", c / n * 100000, c, n }')"
  echo "   commands inside scripts (INFO commandstats):"
  grep -E '^cmdstat_(hincrby|pfadd|expireat|xadd|hset|hget|evalsha):' "$work/commandstats" | sed 's/^cmdstat_/     /; s/,usec_per_call.*//'
  echo "   $(load)"
  [ -z "$WEBHOOK" ] || report_webhooks

  echo
  echo "== Redis down (issue 6): same link, Redis killed, $DURATION"
  stop_redis
  sleep 1
  local down; down=$(wrk_run "$target" "$DURATION")
  row "" "req/s" "p50 ms" "p99 ms" "errors"
  row "Redis up (mean above)" "$arps" "$ap50" "$ap99" ""
  row "Redis down" "$(field "$down" 2)" "$(field "$down" 3)" "$(field "$down" 4)" "$(field "$down" 5)"
  echo "   spool after the run: $(du -sh "$work/load/spool" | cut -f1)"
  start_redis
  local replayed; replayed=$(drain "$(field "$down" 1)")
  echo "   Redis restarted empty: $replayed clicks replayed from the spool for $(field "$down" 1) requests wrk completed while it was down"
  echo "   $(load)"

  : >"$work/spread.summary"
  LINKS=10000 PREFIX=r spread_row "10,000 links at random" "Redirector, 10k links" "$app_pid" "$app_port" "$bench/wrk/random-links.lua"
  LINKS=100000 PREFIX=z spread_row "Zipf(1.0) over 100,000 links" "Redirector, Zipf 100k" "$app_pid" "$app_port" "$bench/wrk/zipf-links.lua"
  echo
  echo "-- second node, 1,000,000 links; CPU it used while idle through the rows above: $(( ($(cpu_ticks "$spread_pid") - spread_idle) * tick_us / 1000 )) ms"
  # Counts are keyed by link id and the second catalogue's ids are the first's: without this a tenth of its links
  # would find the day keys the rows above made.
  rcli FLUSHALL >/dev/null
  LINKS=1000000 PREFIX=u spread_row "1,000,000 links at random (uniform), on the second node" "Redirector, uniform 1M" \
    "$spread_pid" "$spread_port" "$bench/wrk/random-links.lua" "$WARMUP"
  app_pid=$spread_pid
  stop_app
  app_pid=$load_pid

  echo
  echo "== Tracker /out"
  # An unsigned /out URL from a page of the site's own host (browser.lua's Referer): redirected and counted.
  local site before_out after_out out
  site=$(api -X POST "http://127.0.0.1:$app_port/api/sites" -d '{"name":"News","hosts":["news.example.org"]}' | jq -r .key)
  before_out=$(total_clicks)
  out=$(cpu_run "$app_pid" "http://127.0.0.1:$app_port/out?site=$site&url=https%3A%2F%2Fgithub.com%2Fdotnet%2Faspnetcore&from=https%3A%2F%2Fnews.example.org%2F2026%2F11%2Fspring-collection&text=ASP.NET%20Core" "$DURATION")
  after_out=$(drain $((before_out + $(field "$out" 1))))
  row "" "req/s" "p50 ms" "p99 ms" "CPU us/req"
  row "Redirector /out" "$(field "$out" 2)" "$(field "$out" 3)" "$(field "$out" 4)" "$(field "$out" 6)"
  echo "   clicks counted $((after_out - before_out)) for $(field "$out" 1) requests completed"
  echo "   $(load)"
  stop_app
  echo
  echo "== Links spread: counted redirects vs bare Kestrel ($SPREAD_ROUNDS alternating rounds of $DURATION each)"
  printf '   %-26s %9s %9s %7s %11s %7s %12s  %s\n' "" "req/s" "baseline" "ratio" "CPU us/req" "(x)" "Redis us/clk" "counted / completed"
  cat "$work/spread.summary"
  [ -z "$GEO" ] || run_geo_row
  stop_redis
}

# ---------------------------------------------------------------- geo (GEO=1, or bench/run.sh geo)
# run_geo_row: a Redirector of its own that believes X-Forwarded-For from loopback, and alternating rounds of it and
# the baseline with geo.lua (both sides send the header). Needs Redis and the baseline running.
run_geo_row() {
  # An empty Redis: counts are keyed by link id, and the load run's catalogue has its own ids (its r0000001 is id 2,
  # as /geo is here), so its loopback clicks, never placed, would show up as this link's (unknown) ones.
  rcli FLUSHALL >/dev/null
  [ -f "$work/geo.db" ] || tools seed-links 1 "$work/geo.db" g
  start_app geo "$work/geo.db" Proxy__KnownProxies__0=127.0.0.1 "${node_settings[@]}"
  create_link geo "https://www.example.com/landing/spring?ref=geo"
  local target="http://127.0.0.1:$app_port/geo" yardstick="http://127.0.0.1:$base_port/geo" script=$bench/wrk/geo.lua
  echo
  echo "== Counted redirect with the country lookup: clicks forwarded for public addresses of 11 countries (X-Forwarded-For)"
  echo "-- warm-up ($WARMUP each), $(load)"
  wrk_run "$yardstick" "$WARMUP" "$script" >/dev/null
  local warm; warm=$(wrk_run "$target" "$WARMUP" "$script")
  local before; before=$(drain "$(field "$warm" 1)")
  : >"$work/geo-base.rows"; : >"$work/geo-app.rows"
  local round completed=0 b a
  for round in $(seq 1 "$ROUNDS"); do
    b=$(cpu_run "$base_pid" "$yardstick" "$DURATION" "$script"); echo "$b" >>"$work/geo-base.rows"
    a=$(cpu_run "$app_pid" "$target" "$DURATION" "$script"); echo "$a" >>"$work/geo-app.rows"
    completed=$((completed + $(field "$a" 1)))
    echo "   round $round: baseline $(field "$b" 2) req/s $(field "$b" 6) us CPU/req | Redirector $(field "$a" 2) req/s $(field "$a" 6) us CPU/req | $(load)"
  done
  local after; after=$(drain $((before + completed)))
  local brps bcpu arps acpu
  brps=$(cut -d' ' -f2 "$work/geo-base.rows" | mean %.0f); bcpu=$(cut -d' ' -f6 "$work/geo-base.rows" | mean %.1f)
  arps=$(cut -d' ' -f2 "$work/geo-app.rows" | mean %.0f); acpu=$(cut -d' ' -f6 "$work/geo-app.rows" | mean %.1f)
  row "" "req/s" "p50 ms" "p99 ms" "CPU us/req"
  row "bare Kestrel 302" "$brps" "$(cut -d' ' -f3 "$work/geo-base.rows" | mean)" "$(cut -d' ' -f4 "$work/geo-base.rows" | mean)" "$bcpu"
  row "Redirector /geo" "$arps" "$(cut -d' ' -f3 "$work/geo-app.rows" | mean)" "$(cut -d' ' -f4 "$work/geo-app.rows" | mean)" "$acpu"
  row "ratio" "$(ratio "$arps" "$brps")" "" "" "$(ratio "$acpu" "$bcpu")"
  local counted=$((after - before))
  echo "   clicks counted $counted for $completed requests completed in the measured rounds"
  local stats unknown placed
  stats=$(api "http://127.0.0.1:$app_port/api/links/geo/stats")
  unknown=$(echo "$stats" | jq '[.countries[] | select(.key == "(unknown)") | .clicks] | add // 0')
  placed=$(echo "$stats" | jq '[.countries[] | select(.key != "(unknown)")] | length')
  echo "   countries (clicks incl. warm-up): $(echo "$stats" | jq -r '[.countries[] | "\(.key) \(.clicks)"] | join(", ")')"
  # wrk does not count the requests in flight when a round ends, which were answered and counted.
  if [ "$unknown" -eq 0 ] && [ "$placed" -eq 11 ] && [ "$counted" -ge "$completed" ] && [ "$counted" -le $((completed + CONNECTIONS * ROUNDS)) ]; then
    echo "   check: every request counted as a click and placed, $placed countries, none (unknown): ok"
  else
    echo "   check FAILED: $counted clicks for $completed requests, $placed countries, $unknown clicks (unknown)"
  fi
  echo "   $(load)"
  stop_app
}

# ---------------------------------------------------------------- PostgreSQL (GROWTH_DB=postgres)
# A cluster of the run's own, as tests/Redirector.Tests/Infrastructure/PostgresServer.cs starts one: initdb refuses
# root, so the postgres user owns it then. Its directory is outside $work, which mktemp makes private to root.
pg_bin=
pg_port=
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
start_postgres() {
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
  [ -x "$pg_bin/initdb" ] || { echo "PostgreSQL not found (apt-get install postgresql)" >&2; exit 1; }
  pg_dir=$(mktemp -d /tmp/redirector-bench-pg.XXXXXX)
  [ "$(id -u)" != 0 ] || chown postgres "$pg_dir"
  pg_port=$(free_port)
  as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync >/dev/null
  # fsync off: the bench measures serving, not durability; shared_buffers large enough for the (domain, slug) index.
  as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -l "$pg_dir/log" \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=1GB -c max_connections=200" start >/dev/null
  echo "-- PostgreSQL $("$pg_bin/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$pg_port ($pg_dir), fsync=off, shared_buffers=1GB"
}
stop_postgres() { as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast stop >/dev/null 2>&1 || true; }
pg_sql() { "$pg_bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -d "${2:-postgres}" -Atc "$1"; }
pg_catalogue() { # <database>: creates it and prints the connection string start_app and seed-links take
  pg_sql "CREATE DATABASE $1" >/dev/null
  echo "Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$1"
}
# CPU (ms) the whole cluster has used: the postmaster, its live backends, and the backends that have exited (which
# the postmaster has reaped into its cutime and cstime).
pg_cpu_ms() {
  local postmaster; postmaster=$(head -1 "$pg_dir/data/postmaster.pid")
  local ticks; ticks=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$postmaster/stat")
  for child in $(pgrep -P "$postmaster"); do
    ticks=$((ticks + $(awk '{ print $14 + $15 }' "/proc/$child/stat" 2>/dev/null || echo 0)))
  done
  echo $((ticks * tick_us / 1000))
}

# ---------------------------------------------------------------- growth
run_growth() {
  # Start-up is measured on what a user starts: run.sh's published, precompiled (ReadyToRun) build.
  echo "-- publishing Redirector as run.sh does"
  dotnet publish "$root/src/Redirector" -c Release --use-current-runtime --self-contained false -o "$root/src/Redirector/bin/Release/run" \
    -nologo -v q -clp:ErrorsOnly >/dev/null
  app_dll=$root/src/Redirector/bin/Release/run/Redirector.dll
  start_redis
  echo
  echo "== Growth: $GROWTH_LINKS-link catalogue vs 100-link catalogue (link cache of $GROWTH_CAPACITY), $GROWTH_DB"
  local small_db=$work/small.db big_db=$work/big.db
  if [ "$GROWTH_DB" = postgres ]; then
    start_postgres
    small_db=$(pg_catalogue small) big_db=$(pg_catalogue big)
  fi
  tools seed-links 100 "$small_db" s
  local seed_ns seed_cpu
  seed_ns=$(date +%s%N); [ "$GROWTH_DB" != postgres ] || seed_cpu=$(pg_cpu_ms)
  tools seed-links "$GROWTH_LINKS" "$big_db" s
  if [ "$GROWTH_DB" = postgres ]; then
    # The seeding backend's CPU reaches the postmaster's cutime only once it has exited.
    until [ "$(pg_sql "SELECT count(*) FROM pg_stat_activity WHERE datname = 'big'")" = 0 ]; do sleep 0.2; done
    sleep 1
    echo "   seeding $GROWTH_LINKS links: $(( ($(date +%s%N) - seed_ns) / 1000000 )) ms, $(( $(pg_cpu_ms) - seed_cpu )) ms of PostgreSQL CPU;" \
      "Links $(pg_sql "SELECT pg_size_pretty(pg_table_size('\"Links\"')) || ' + indexes ' || pg_size_pretty(pg_indexes_size('\"Links\"'))" big); $(load)"
  fi
  local start_ns end_ns big_pid big_port small_pid small_port
  # Start-up: until /healthz answers, then until a link the node has not warmed yet (the oldest) redirects.
  start_ns=$(date +%s%N)
  start_app big "$big_db" Catalog__Cache__Capacity="$GROWTH_CAPACITY" Catalog__Cache__WarmLinks="$GROWTH_CAPACITY"
  end_ns=$(date +%s%N)
  big_pid=$app_pid big_port=$app_port
  curl -fsS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$big_port/s0000000" | grep -q 302
  # The CPU the process spent until then too: on a shared machine the wall time measures everyone else's load.
  echo "   startup with $GROWTH_LINKS links: $(( (end_ns - start_ns) / 1000000 )) ms from process start to /healthz," \
    "$(( ($(date +%s%N) - start_ns) / 1000000 )) ms to the first redirect of a link not yet in memory," \
    "$(( $(cpu_ticks "$big_pid") * tick_us / 1000 )) ms of CPU; $(load)"
  # The warm-up fills the cache in the background; RSS is read once it is done and the filter is built.
  until grep -q 'Link cache warmed' "$work/big.log" && grep -q 'Link filter built' "$work/big.log"; do sleep 1; done
  echo "   log: $(grep -o 'Link cache warmed.*' "$work/big.log" | head -1); $(grep -o 'Link filter built.*' "$work/big.log" | head -1)"
  echo "   RSS with $(readyz "$big_port" cachedLinks) links held: $(ps -o rss= -p "$big_pid" | awk '{ printf "%.0f MB", $1 / 1024 }'); $(load)"
  start_ns=$(date +%s%N)
  start_app small "$small_db"
  small_pid=$app_pid small_port=$app_port
  curl -fsS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$small_port/s0000000" | grep -q 302
  echo "   startup with 100 links (the same node's own start): $(( ($(date +%s%N) - start_ns) / 1000000 )) ms to the first redirect," \
    "$(( $(cpu_ticks "$small_pid") * tick_us / 1000 )) ms of CPU; $(load)"
  # Both catalogues are served at once and measured in alternating rounds, as in the load run: 100 hot links spread
  # over the big catalogue against the small one, where only the catalogue's size differs.
  LINKS=$GROWTH_LINKS PREFIX=s HOT=100 wrk_run "http://127.0.0.1:$big_port/" "$WARMUP" "$bench/wrk/random-links.lua" >/dev/null
  LINKS=100 PREFIX=s wrk_run "http://127.0.0.1:$small_port/" "$WARMUP" "$bench/wrk/random-links.lua" >/dev/null
  local r big small
  : >"$work/growth-hot-big"; : >"$work/growth-hot-small"
  for r in $(seq "$ROUNDS"); do
    LINKS=$GROWTH_LINKS PREFIX=s HOT=100 wrk_run "http://127.0.0.1:$big_port/" "$DURATION" "$bench/wrk/random-links.lua" >>"$work/growth-hot-big"
    LINKS=100 PREFIX=s wrk_run "http://127.0.0.1:$small_port/" "$DURATION" "$bench/wrk/random-links.lua" >>"$work/growth-hot-small"
  done
  kill "$small_pid"; wait "$small_pid" 2>/dev/null || true
  # Unknown slugs: a scan of new random slugs at about 1,000/s; the catalogue queries misses made, from /readyz.
  local before_q after_q scan
  before_q=$(readyz "$big_port" catalogueLookups)
  scan=$(PACE_MS=10 CONNECTIONS=10 wrk_run "http://127.0.0.1:$big_port/" "$DURATION" "$bench/wrk/unknown-slugs.lua")
  after_q=$(readyz "$big_port" catalogueLookups)
  # Changes of held links: the change-log poll of every node holding one reads it back (here the writer's own), a
  # query per poll. What 5 changes, a second apart, cost the node and the catalogue over 12 s (PostgreSQL reports a
  # backend's table scans within 10 s of its last query).
  local change_cpu change_pg= change_scans= i
  change_cpu=$(cpu_ticks "$big_pid")
  if [ "$GROWTH_DB" = postgres ]; then
    change_pg=$(pg_cpu_ms)
    change_scans=$(pg_sql "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'Links'" big)
  fi
  for i in 1 2 3 4 5; do
    api -o /dev/null -X PATCH "http://127.0.0.1:$big_port/api/links/s$(printf %07d $((i * GROWTH_LINKS / 100)))" \
      -d "{\"url\":\"https://www.example.com/changed/$i\"}"
    sleep 1
  done
  sleep 7
  local changes="node $(( ($(cpu_ticks "$big_pid") - change_cpu) * tick_us / 1000 )) ms of CPU"
  [ -z "$change_pg" ] || changes="$changes, PostgreSQL $(( $(pg_cpu_ms) - change_pg )) ms of CPU and $(( $(pg_sql "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'Links'" big) - change_scans )) sequential scans of Links"
  app_pid=$big_pid
  stop_app
  # Cold links: a node whose cache holds a tenth of the catalogue and warms none, every request a random link, at
  # a few connections so that the latency is the read-through's rather than the queue's.
  start_app cold "$big_db" Catalog__Cache__Capacity=$((GROWTH_LINKS / 10)) Catalog__Cache__WarmLinks=0
  # Not while the filter is built: reading every slug takes a core for many seconds of the rounds otherwise.
  until grep -q 'Link filter built' "$work/cold.log"; do sleep 1; done
  : >"$work/growth-cold"; : >"$work/growth-cold1"
  local cold_cpu_app cold_cpu_pg=
  cold_cpu_app=$(cpu_ticks "$app_pid"); [ "$GROWTH_DB" != postgres ] || cold_cpu_pg=$(pg_cpu_ms)
  for r in $(seq "$ROUNDS"); do
    CONNECTIONS=4 LINKS=$GROWTH_LINKS PREFIX=s wrk_run "http://127.0.0.1:$app_port/" "$DURATION" "$bench/wrk/random-links.lua" >>"$work/growth-cold"
    # One connection: each request's latency is one miss's own, with no other request queued beside it.
    CONNECTIONS=1 LINKS=$GROWTH_LINKS PREFIX=s wrk_run "http://127.0.0.1:$app_port/" "$DURATION" "$bench/wrk/random-links.lua" >>"$work/growth-cold1"
  done
  local cold_load; cold_load=$(load)
  local cold_cpu
  cold_cpu="node $(( ($(cpu_ticks "$app_pid") - cold_cpu_app) * tick_us / 1000 )) ms"
  [ -z "$cold_cpu_pg" ] || cold_cpu="$cold_cpu, PostgreSQL $(( $(pg_cpu_ms) - cold_cpu_pg )) ms"
  local cold_queries; cold_queries=$(readyz "$app_port" catalogueLookups)
  stop_app
  row "" "req/s" "p50 ms" "p99 ms" "errors"
  big=$(rounds_mean "$work/growth-hot-big") small=$(rounds_mean "$work/growth-hot-small")
  row "100 links of 100" "$(field "$small" 1)" "$(field "$small" 2)" "$(field "$small" 3)" "$(field "$small" 4)"
  row "100 links of $GROWTH_LINKS" "$(field "$big" 1)" "$(field "$big" 2)" "$(field "$big" 3)" "$(field "$big" 4)"
  row "ratio" "$(ratio "$(field "$big" 1)" "$(field "$small" 1)")" "" "" ""
  local cold; cold=$(rounds_mean "$work/growth-cold")
  row "random cold link, -c4" "$(field "$cold" 1)" "$(field "$cold" 2)" "$(field "$cold" 3)" "$(field "$cold" 4)"
  cold=$(rounds_mean "$work/growth-cold1")
  row "random cold link, -c1" "$(field "$cold" 1)" "$(field "$cold" 2)" "$(field "$cold" 3)" "$(field "$cold" 4)"
  local cold_requests; cold_requests=$(cat "$work/growth-cold" "$work/growth-cold1" | awk '{ n += $1 } END { print n }')
  echo "   (cold: cache of $((GROWTH_LINKS / 10)), $cold_queries catalogue queries in all; CPU over the cold rounds'" \
    "$cold_requests requests: $cold_cpu; $cold_load)"
  echo "   unknown slugs: $(field "$scan" 2) req/s of new random slugs (all 404) for $DURATION made $((after_q - before_q))" \
    "catalogue queries ($(awk -v q=$((after_q - before_q)) -v d="${DURATION%s}" 'BEGIN { printf "%.1f", q / d }')/s); $(load)"
  echo "   5 changes of held links, a second apart, over 12 s: $changes; $(load)"
  echo "   $(tools cache-memory "$GROWTH_CAPACITY")"
  echo "   $(load)"

  if [ -z "${SKIP_CLICKS:-}" ]; then
    echo
    echo "== $SEED_CLICKS clicks over 10,000 links and 90 days through the real pipeline (extrapolated to 10,000,000)"
    rcli FLUSHALL >/dev/null
    tools seed-clicks "$SEED_CLICKS" "127.0.0.1:$redis_port"
    echo "   $(load)"
  fi
  stop_redis
  [ "$GROWTH_DB" != postgres ] || { stop_postgres; rm -rf "$pg_dir"; pg_dir=; }
}

case $mode in
  load) run_load ;;
  growth) run_growth ;;
  all) run_load; run_growth ;;
  geo) start_redis; start_baseline; run_geo_row; stop_redis ;;
  *) echo "usage: bench/run.sh [load|growth|all|geo]" >&2; exit 1 ;;
esac
echo
echo "== done, $(load)"
