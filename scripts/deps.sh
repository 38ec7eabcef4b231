#!/usr/bin/env bash
# Installs what the tests need when it is missing: redis-server (the tests start their own), Chromium
# (browser tests drive /usr/bin/chromium; Playwright never downloads a browser here), Node.js/npm (the
# build fetches the ua-parser rules and the country database with npm), uap-core (the ua-parser conformance data), PostgreSQL (multi-node tests)
# and zbar-tools (zbarimg reads the QR codes the tests draw back, as a phone would). Safe to run again.
set -euo pipefail
missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v npm >/dev/null || missing+=(npm)
[ -n "$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null)" ] || missing+=(postgresql)
# The ua-parser conformance data (test_ua.yaml...) is not in the npm package; Debian ships it.
[ -f /usr/share/uap-core/tests/test_ua.yaml ] || missing+=(uap-core)
command -v zbarimg >/dev/null || missing+=(zbar-tools)
# docker-compose.yml is validated with `docker-compose config` (no Docker engine is needed for that).
command -v docker-compose >/dev/null || missing+=(docker-compose)
# The ClickHouse event-store tests start Debian's clickhouse-server (18.16) on a loopback port of their own.
[ -x /usr/sbin/clickhouse-server ] || missing+=(clickhouse-server)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "Installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
