#!/usr/bin/env bash
# Starts the project's private PostgreSQL cluster (installing the Debian server package when missing) and
# prints its connection string. Idempotent: a second run reuses the running cluster.
#
#   scripts/postgres.sh            # ensure running, print the connection string
#   scripts/postgres.sh --env      # print `export CRYPTOSTREAMS_DATABASE=...` for eval
#   scripts/postgres.sh stop       # stop the cluster
#
# Data lives in .data/postgres (override with CRYPTOSTREAMS_PGDATA), port 55432 (CRYPTOSTREAMS_PGPORT).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${CRYPTOSTREAMS_PGPORT:-55432}"
data="${CRYPTOSTREAMS_PGDATA:-$repo/.data/postgres}"
log="$data.log"
conn="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

say() { echo "postgres.sh: $*" >&2; }

find_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] && echo "$d"
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    say "the PostgreSQL server is not installed; run as root or: sudo apt-get install -y postgresql"
    exit 1
  fi
  say "installing the Debian postgresql server package (apt-get)…"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  bin=$(find_bin)
fi

# PostgreSQL refuses to run as root; run it as the postgres system user the package created.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = "stop" ]; then
  if [ -f "$data/postmaster.pid" ]; then as_owner "$bin/pg_ctl" -D "$data" -m fast stop >&2; fi
  exit 0
fi

is_ready() { "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" >/dev/null 2>&1; }

if ! is_ready; then
  if [ ! -f "$data/PG_VERSION" ]; then
    say "creating a private cluster in $data (port $port)"
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then
      chown postgres:postgres "$data"
      # The postgres user must be able to reach the data directory.
      d="$data"; while [ "$d" != "/" ]; do d=$(dirname "$d"); chmod o+x "$d" 2>/dev/null || true; done
    fi
    chmod 700 "$data"
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$data/postgresql.conf" <<CONF
# CryptoStreams private cluster: loopback only, sized for tests and the embedded pipeline.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 300
shared_buffers = 256MB
max_wal_size = 2GB
CONF
  fi
  # A stale pid file from a killed server would stop pg_ctl from starting.
  if [ -f "$data/postmaster.pid" ] && ! kill -0 "$(head -n 1 "$data/postmaster.pid")" 2>/dev/null; then
    rm -f "$data/postmaster.pid"
  fi
  touch "$log"; [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$log"
  say "starting PostgreSQL on 127.0.0.1:$port (log: $log)"
  as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start >/dev/null
fi

for _ in $(seq 1 60); do is_ready && break; sleep 0.5; done
is_ready || { say "PostgreSQL did not become ready; see $log"; exit 1; }

if [ "${1:-}" = "--env" ]; then
  echo "export CRYPTOSTREAMS_DATABASE='$conn'"
else
  echo "$conn"
fi
