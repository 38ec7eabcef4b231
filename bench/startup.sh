#!/usr/bin/env bash
# Start-up of a Redirector node (issue 19: serving within 3 s of start). Starts each build RUNS times, alternating
# builds, on a copy of one seeded 100-link catalogue (and its data directory: a restart, not a first start) with its
# own redis-server up, and prints per start: wall ms from process start to the first 200 from /healthz and to the
# first redirect of a link, and the process CPU (user+sys, /proc/PID/stat) spent by each. Figures are printed only.
#
#   bench/startup.sh                          the build run.sh starts (published ReadyToRun to src/Redirector/bin/Release/run)
#                                             against bare Kestrel (bench/Baseline)
#   bench/startup.sh old=/tmp/a/Redirector.dll new=src/Redirector/bin/Release/run/Redirector.dll
#   bench/startup.sh r2r=out/Redirector.dll nopgo=out/Redirector.dll,DOTNET_TieredPGO=0   (settings after commas)
#
# Paths may be relative to the current folder. Settings (environment): RUNS=5, BUILD=0 to skip publishing and
# building (BUILD only acts when no build is named), SEED=path/to/Redirector.dll that seeds the catalogue (default:
# the first Redirector build given), any other variable is passed to every start (e.g. DOTNET_TieredPGO=0).
set -euo pipefail
RUNS=${RUNS:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
published=$root/src/Redirector/bin/Release/run
baseline=$root/bench/Baseline/bin/Release/net10.0/Baseline.dll
source "$root/bench/builds.sh"
named_builds "$@"
[ ${#apps[@]} -gt 0 ] || apps=("redirector=$published/Redirector.dll" "kestrel=$baseline")
[ -z "${SEED:-}" ] || SEED=$(realpath -m "$SEED")
work=$(mktemp -d /tmp/redirector-startup.XXXXXX)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

if [ "${BUILD:-1}" = 1 ] && [ $# -eq 0 ]; then
  echo "-- publishing Redirector as run.sh does, building bench/Baseline (Release)"
  dotnet publish "$root/src/Redirector" -c Release --use-current-runtime --self-contained false -o "$published" -nologo -v q -clp:ErrorsOnly >/dev/null
  dotnet build -c Release "$root/bench/Baseline/Baseline.csproj" -nologo -v q -clp:ErrorsOnly >/dev/null
fi
for app in "${apps[@]}"; do
  dll=${app#*=} dll=${dll%%,*}
  [ -f "$dll" ] || { echo "no build at $dll (publish or build it, or drop BUILD=0)" >&2; exit 1; }
done

redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --dir "$work" --logfile "$work/redis.log" &
pids+=("$!")
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done

# The seed: one start that migrates the catalogue, creates the API key and Data Protection keys, and 100 links.
seed_dll=${SEED:-}
if [ -z "$seed_dll" ]; then
  for app in "${apps[@]}"; do [[ ${app#*=} == */Redirector.dll* ]] && { seed_dll=${app#*=}; seed_dll=${seed_dll%%,*}; break; }; done
fi
key=startup-bench-key-0123456789
port=$(free_port)
mkdir -p "$work/seed/data"
ConnectionStrings__Redis="127.0.0.1:$redis_port" ConnectionStrings__Catalog="Data Source=$work/seed/cat.db" \
  Analytics__DataDirectory="$work/seed/data" Api__InitialKey=$key ASPNETCORE_URLS="http://127.0.0.1:$port" \
  Logging__LogLevel__Default=Warning dotnet "$seed_dll" >"$work/seed.log" 2>&1 &
seed_pid=$!
pids+=("$seed_pid")
until curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null; do
  kill -0 "$seed_pid" 2>/dev/null || { echo "the seeding start of $seed_dll exited:" >&2; tail -20 "$work/seed.log" >&2; exit 1; }
  sleep 0.1
done
for i in $(seq 1 100); do
  curl -fsS -o /dev/null -H "X-Api-Key: $key" -H 'Content-Type: application/json' -X POST \
    "http://127.0.0.1:$port/api/links" -d "{\"url\":\"https://www.example.com/page/$i\",\"slug\":\"s$i\"}"
done
kill "$seed_pid"; wait "$seed_pid" 2>/dev/null || true

echo "== start-up, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $RUNS starts per build"
printf '   %-12s %4s %12s %12s %14s %14s\n' build run healthz_ms redirect_ms cpu_healthz_ms cpu_redirect_ms
for run in $(seq 1 "$RUNS"); do
  for app in "${apps[@]}"; do
    name=${app%%=*} dll=${app#*=}
    IFS=, read -r -a settings <<<"$dll"
    dll=${settings[0]} settings=("${settings[@]:1}")
    dir=$work/run-$name-$run
    cp -r "$work/seed" "$dir"
    port=$(free_port)
    # The probe starts the process itself so that its clock starts with it; it polls over plain sockets, every 5 ms,
    # so that polling costs next to nothing, and reads the process's CPU the moment each answer arrives.
    result=$(ConnectionStrings__Redis="127.0.0.1:$redis_port" ConnectionStrings__Catalog="Data Source=$dir/cat.db" \
      Analytics__DataDirectory="$dir/data" ASPNETCORE_URLS="http://127.0.0.1:$port" \
      env "${settings[@]}" python3 - "$port" "$dir/out.log" dotnet "$dll" <<'EOF'
import os, socket, subprocess, sys, time
port, log, cmd = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
tick = 1000 / os.sysconf("SC_CLK_TCK")
start = time.monotonic()
# In its own folder, as in Docker: appsettings.json (log levels) is read from there.
proc = subprocess.Popen(cmd, stdout=open(log, "w"), stderr=subprocess.STDOUT, cwd=os.path.dirname(cmd[1]))
def cpu():
    fields = open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * tick
def status(path):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0\r\nConnection: close\r\n\r\n".encode())
            head = s.recv(64).decode("latin-1")
            return int(head.split()[1]) if head.startswith("HTTP/") else 0
    except OSError:
        return 0
def until(path, ok):
    while True:
        if proc.poll() is not None:
            # The work folder goes when the script ends: show the log's end here.
            sys.exit(f"process exited with {proc.returncode}:\n" + open(log, errors="replace").read()[-2000:])
        if status(path) in ok:
            return (time.monotonic() - start) * 1000, cpu()
        time.sleep(0.005)
try:
    h, hc = until("/healthz", (200, 302))
    r, rc = until("/s42", (301, 302, 307, 308))
    print(f"{h:.0f} {r:.0f} {hc:.0f} {rc:.0f}")
finally:
    proc.terminate(); proc.wait()
EOF
    )
    printf '   %-12s %4s %12s %12s %14s %14s\n' "$name" "$run" $result
    echo "$name $result" >>"$work/results"
  done
done
echo "   mean (healthz, redirect wall ms; CPU ms by each):"
for app in "${apps[@]}"; do
  name=${app%%=*}
  awk -v n="$name" '$1 == n { h += $2; r += $3; hc += $4; rc += $5; c++ }
    END { printf "   %-12s %17.0f %12.0f %14.0f %14.0f\n", n, h / c, r / c, hc / c, rc / c }' "$work/results"
done
