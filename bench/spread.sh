#!/usr/bin/env bash
# Clicks spread over many links, one node at a time (issue 19): a quicker look than run.sh's links-spread rows when a
# change to the click pipeline is being tried. Each build named gets a node of its own, with its own redis-server (no
# persistence) and a copy of one seeded catalogue; builds are started alternately, ROUNDS times each. Per round: a
# warm-up of wrk, then a measured run of wrk, then the drain (the node's clicks reach Redis up to a counting window
# later), and it prints requests/s and p99, the node's and Redis's CPU per click (user+sys from /proc over the measured
# run and the drain), the commands the apply script ran per click (INFO commandstats) and the node's threads that used
# the most CPU per click. Figures are printed only.
#
#   bench/spread.sh                                  the Release build (src/Redirector/bin/Release/net10.0)
#   bench/spread.sh old=/tmp/old/Redirector.dll new=src/Redirector/bin/Release/net10.0/Redirector.dll
#   bench/spread.sh events=src/Redirector/bin/Release/net10.0/Redirector.dll,Analytics__LinkBreakdowns=Events
#
# Settings (environment): LINKS=10000 (seeded links, prefix r), ZIPF=1 (bench/wrk/zipf-links.lua: Zipf(1.0) over the
# links instead of uniform at random), HOT=n (only n of them: random-links.lua's HOT), ROUNDS=2, WARMUP=10s,
# DURATION=20s, DRAIN=4 (seconds after wrk counted in the CPU), CONNECTIONS=32, PERF=1 (perf record of each
# measured run, then the 40 hottest symbols; needs perf).
set -euo pipefail
LINKS=${LINKS:-10000} ROUNDS=${ROUNDS:-2} WARMUP=${WARMUP:-10s} DURATION=${DURATION:-20s} DRAIN=${DRAIN:-4}
CONNECTIONS=${CONNECTIONS:-32}
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/bench/builds.sh"
named_builds "$@"
if [ ${#apps[@]} -eq 0 ]; then
  dotnet build -c Release "$root/src/Redirector/Redirector.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
  apps=("redirector=$root/src/Redirector/bin/Release/net10.0/Redirector.dll")
fi
script=$root/bench/wrk/random-links.lua
[ "${ZIPF:-0}" != 1 ] || script=$root/bench/wrk/zipf-links.lua
work=$(mktemp -d /tmp/redirector-spread.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# Per thread of a process: "name|ticks", the name read between the parentheses (thread names have spaces).
thread_ticks() {
  python3 - "$1" <<'EOF'
import glob, sys
for path in glob.glob(f"/proc/{sys.argv[1]}/task/*/stat"):
    try:
        text = open(path).read()
    except OSError:
        continue
    fields = text[text.rindex(")") + 2:].split()
    print(f"{text[text.index('(') + 1:text.rindex(')')]}|{int(fields[11]) + int(fields[12])}")
EOF
}
hz=$(getconf CLK_TCK)

dotnet build -c Release "$root/bench/Redirector.Benchmarks/Redirector.Benchmarks.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
dotnet "$root/bench/Redirector.Benchmarks/bin/Release/net10.0/Redirector.Benchmarks.dll" seed-links "$LINKS" "$work/seed.db" r >/dev/null
echo "== clicks spread over $LINKS links ($(basename "$script")${HOT:+, HOT=$HOT}), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   wrk -t1 -c$CONNECTIONS: $WARMUP warm-up, $DURATION measured, ${DRAIN}s drain; $ROUNDS round(s) per build, alternating"

for round in $(seq "$ROUNDS"); do
  for app in "${apps[@]}"; do
    name=${app%%=*} rest=${app#*=}
    dll=${rest%%,*} settings=${rest#"$dll"}
    run=$work/$name.$round
    mkdir -p "$run"
    cp "$work/seed.db" "$run/catalogue.db"
    redis_port=$(free_port) app_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$run" --logfile "$run/redis.log" &
    redis_pid=$!
    pids+=("$redis_pid")
    until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
    extra=()
    IFS=',' read -ra extra <<<"${settings#,}"
    env ConnectionStrings__Redis="127.0.0.1:$redis_port,abortConnect=false" ConnectionStrings__Catalog="Data Source=$run/catalogue.db" \
      Analytics__DataDirectory="$run/data" Api__InitialKey=spread-bench-key-0123456789 Logging__LogLevel__Default=Warning \
      Bots__BurstLinks=0 DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 "${extra[@]}" \
      dotnet "$dll" --urls "http://127.0.0.1:$app_port" >"$run/app.log" 2>&1 &
    app_pid=$!
    pids+=("$app_pid")
    deadline=$((SECONDS + 120))
    until curl -fsS -o /dev/null "http://127.0.0.1:$app_port/healthz" 2>/dev/null; do
      [ $SECONDS -lt $deadline ] || { echo "$name did not start: $run/app.log" >&2; cat "$run/app.log" >&2; exit 1; }
      sleep 0.1
    done
    # The link cache is warmed a few seconds after start (Catalog:Cache:WarmDelay).
    sleep 6
    LINKS=$LINKS PREFIX=r HOT=${HOT:-0} wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s "$script" "http://127.0.0.1:$app_port" >/dev/null 2>&1
    sleep "$DRAIN"
    redis-cli -p "$redis_port" config resetstat >/dev/null
    node0=$(ticks "$app_pid") redis0=$(ticks "$redis_pid")
    thread_ticks "$app_pid" >"$run/threads.before"
    perf_pid=
    if [ "${PERF:-0}" = 1 ]; then
      perf record -F 499 -g -p "$app_pid" -o "$run/perf.data" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
      perf_pid=$!
    fi
    LINKS=$LINKS PREFIX=r HOT=${HOT:-0} wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$script" "http://127.0.0.1:$app_port" >"$run/wrk.out" 2>&1
    sleep "$DRAIN"
    node1=$(ticks "$app_pid") redis1=$(ticks "$redis_pid")
    thread_ticks "$app_pid" >"$run/threads.after"
    [ -z "$perf_pid" ] || wait "$perf_pid" || true
    requests=$(grep -o '[0-9]* requests in' "$run/wrk.out" | awk '{print $1}')
    rate=$(awk '/Requests\/sec/ {print $2}' "$run/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$run/wrk.out")
    stats=$(redis-cli -p "$redis_port" info commandstats | tr -d '\r')
    per_click() { awk -v t="$1" -v n="$requests" -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}'; }
    calls() { echo "$stats" | awk -F'[=,:]' -v c="cmdstat_$1" -v n="$requests" '$1 == c {printf "%.2f", $3 / n; found=1} END {if (!found) printf "0"}'; }
    echo "   $name round $round: $rate req/s, p99 $p99; node $(per_click $((node1 - node0))) us CPU a click, Redis $(per_click $((redis1 - redis0))) us;" \
      "a click: $(calls hincrby) HINCRBY, $(calls pfadd) PFADD, $(calls expireat) EXPIREAT; load $(cut -d' ' -f1 /proc/loadavg)"
    python3 - "$run/threads.before" "$run/threads.after" "$requests" "$hz" <<'EOF'
import collections, sys
def read(path):
    totals = collections.Counter()
    for line in open(path):
        name, value = line.rstrip("\n").rsplit("|", 1)
        totals[name] += int(value)
    return totals
before, after = read(sys.argv[1]), read(sys.argv[2])
requests, hz = int(sys.argv[3]), int(sys.argv[4])
used = sorted(((after[n] - before.get(n, 0), n) for n in after), reverse=True)[:5]
print("     threads: " + ", ".join(f"{name} {ticks * 1e6 / hz / requests:.1f}" for ticks, name in used if ticks > 0))
EOF
    if [ -n "$perf_pid" ]; then
      perf report -g none -i "$run/perf.data" --no-children --sort symbol --stdio 2>/dev/null |
        awk '/^ +[0-9.]+%/ {$1 = $1; print "     " substr($0, 1, 160)}' | head -40
    fi
    kill "$app_pid"; wait "$app_pid" 2>/dev/null || true
    kill "$redis_pid"; wait "$redis_pid" 2>/dev/null || true
  done
done
