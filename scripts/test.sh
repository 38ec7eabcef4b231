#!/usr/bin/env bash
# The test command: installs missing system packages, then runs every test (unit, integration, browser).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/deps.sh"
dotnet test "$root/Redirector.sln" -c Release "$@"
