#!/usr/bin/env bash
# Scaffolds a catalogue migration for every database provider: tools/add-migration.sh <MigrationName> [Sqlite|Postgres]
set -euo pipefail
name=${1:?usage: tools/add-migration.sh <MigrationName>}
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/.*"Microsoft.EntityFrameworkCore.Sqlite" Version="\([^"]*\)".*/\1/p' "$root/Directory.Packages.props")
cache=${XDG_CACHE_HOME:-$HOME/.cache}/redirector/ef-design-$version
if [ ! -f "$cache/lib/net10.0/Microsoft.EntityFrameworkCore.Design.dll" ]; then
  mkdir -p "$cache"
  curl -fsSL "https://api.nuget.org/v3-flatcontainer/microsoft.entityframeworkcore.design/$version/microsoft.entityframeworkcore.design.$version.nupkg" -o "$cache/design.nupkg"
  (cd "$cache" && unzip -q -o design.nupkg 'lib/*')
fi
export EF_DESIGN_ASSEMBLY="$cache/lib/net10.0/Microsoft.EntityFrameworkCore.Design.dll"
dotnet run --project "$root/tools/Migrations" -- "$name" "$root/src/Redirector.Core" ${2:-}
