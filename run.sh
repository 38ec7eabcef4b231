#!/usr/bin/env bash
# Runs Redirector on this machine with its defaults: SQLite under data/, Redis on localhost:6379.
# When nothing answers there, it installs redis-server if needed and starts one with its data under data/redis.
# npm is installed when missing too: the build uses it to fetch the pinned ua-parser rules and country database.
set -euo pipefail
root=$(cd "$(dirname "$0")" && pwd)
cd "$root"
sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! command -v npm >/dev/null; then
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq npm >/dev/null
fi
redis_url=${ConnectionStrings__Redis:-localhost:6379}
host=${redis_url%%:*}; port=${redis_url##*:}; port=${port%%,*}
if ! (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
  if ! command -v redis-server >/dev/null; then
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p data/redis
  redis-server --port "$port" --bind 127.0.0.1 --dir "$root/data/redis" --appendonly yes --appendfsync everysec --daemonize yes \
    --logfile "$root/data/redis/redis.log"
  echo "Started redis-server on port $port (data in data/redis; it keeps running after the service: redis-cli -p $port shutdown stops it)"
fi
export ConnectionStrings__Catalog=${ConnectionStrings__Catalog:-Data Source=$root/data/redirector.db}
export Analytics__DataDirectory=${Analytics__DataDirectory:-$root/data}
# Published, not `dotnet run`: the published build is precompiled (ReadyToRun), which starts in about two thirds of the
# CPU. It starts in its own folder (appsettings.json); the data stays beside this script (the paths above).
out=$root/src/Redirector/bin/Release/run
stamp=$out/.published
# A publish with nothing to build still spends 10-15 s on restore and up-to-date checks, most of a restart: it is
# skipped when no source or build setting is newer than the last publish.
changed() {
  [ ! -f "$stamp" ] || [ ! -f "$out/Redirector.dll" ] || [ -n "$(find src Directory.Build.props Directory.Build.targets Directory.Packages.props global.json \
    \( -name bin -o -name obj -o -name node_modules \) -prune -o -type f -newer "$stamp" -print -quit)" ]
}
stale=0; changed && stale=1
if [ ! -f "$out/Redirector.dll" ]; then
  echo "First start: restoring NuGet and npm packages and building Redirector in Release (a few minutes; nothing is printed meanwhile). Later starts reuse the build."
elif [ $stale = 1 ]; then
  echo "Building what changed (seconds to a minute), then starting Redirector on ${URLS:-http://0.0.0.0:8080}..."
else
  echo "Starting Redirector on ${URLS:-http://0.0.0.0:8080} (the build is up to date)..."
fi
if [ $stale = 1 ]; then
  dotnet publish src/Redirector -c Release --use-current-runtime --self-contained false -o "$out" --nologo -v quiet
  touch "$stamp"
fi
cd "$out"
exec dotnet Redirector.dll --urls "${URLS:-http://0.0.0.0:8080}"
