#!/usr/bin/env bash
# Installs (Debian packages) and starts a local PostgreSQL for the store tests, then prints the
# database URL on stdout (everything else goes to stderr). Idempotent: a second call reuses the
# running server. CI runs it as root on a fresh Debian machine:
#   eval "$(.ci/postgres.sh)"        # prints: export PARTNERSYNC_TEST_DATABASE_URL='postgres://…'
#   url="$(.ci/postgres.sh --url)"   # prints the bare URL
set -euo pipefail

PG_USER=partnersync
PG_PASSWORD=partnersync
PG_DB=partnersync_test
PG_PORT="${PG_PORT:-5432}"

log() { echo "postgres.sh: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  log "installing postgresql (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update >&2
  apt-get install -y postgresql >&2
fi

version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main --port "$PG_PORT" >&2
fi
if ! pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $4}' | grep -qx online; then
  log "starting cluster $version/main"
  pg_ctlcluster "$version" main start >&2
fi
port="$(pg_lsclusters -h | awk -v v="$version" '$1==v && $2=="main" {print $3}')"

as_postgres() { (cd / && su postgres -s /bin/sh -c "$1"); }
for _ in $(seq 1 30); do
  as_postgres "psql -p $port -tAc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
if [ "$(as_postgres "psql -p $port -tAc \"select 1 from pg_roles where rolname='$PG_USER'\"")" != "1" ]; then
  as_postgres "psql -p $port -c \"create role $PG_USER login createdb password '$PG_PASSWORD'\"" >&2
fi
if [ "$(as_postgres "psql -p $port -tAc \"select 1 from pg_database where datname='$PG_DB'\"")" != "1" ]; then
  as_postgres "createdb -p $port -O $PG_USER $PG_DB" >&2
fi
url="postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$port/$PG_DB"
if [ "${1:-}" = "--url" ]; then
  echo "$url"
else
  echo "export PARTNERSYNC_TEST_DATABASE_URL='$url'"
fi
