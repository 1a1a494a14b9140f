#!/usr/bin/env bash
# Runs the whole pipeline on embedded defaults: installs prerequisites, starts the private PostgreSQL,
# then `cryptostreams up` (embedded broker, extractors, topology, loader, status view). Extra arguments go
# to `up`, e.g. --simulate for the synthetic market.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

scripts/prereqs.sh
eval "$(scripts/postgres.sh --env)"
dotnet build src/Cli -c Release -nologo -clp:ErrorsOnly -v quiet
exec dotnet src/Cli/bin/Release/net10.0/cryptostreams.dll up --database "$CRYPTOSTREAMS_DATABASE" "$@"
