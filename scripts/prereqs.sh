#!/usr/bin/env bash
# Installs what the pipeline and its tests need beyond the .NET SDK, from Debian's packages, when missing:
# the PostgreSQL server (scripts/postgres.sh), kcat (the broker's client tests and the README) and
# docker-compose (only to validate docker-compose.yml in a test; no Docker engine is needed for that).
set -euo pipefail

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
# npm: the CLI build installs the dashboard's charting library from its lockfile (npm ci); chromium: the dashboard's browser tests
# (Playwright drives it at /usr/bin/chromium; Playwright's driver brings its own node, so npm's node is needed only for npm).
command -v npm >/dev/null 2>&1 || missing+=(npm)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "prereqs.sh: missing ${missing[*]}; run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "prereqs.sh: installing ${missing[*]} (apt-get)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${missing[@]}" >&2
fi
