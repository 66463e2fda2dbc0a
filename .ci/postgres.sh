#!/usr/bin/env bash
# Install (if missing) and start a PostgreSQL server on 127.0.0.1 with a user
# and a database for the evolution tests, then print its URL on stdout.
# Idempotent: a second call finds everything in place and prints the same URL.
# Needs root (apt-get, pg_ctlcluster). Usage in .ci/run:
#   export MONNTO_TEST_POSTGRES_URL="$(.ci/postgres.sh)"
set -euo pipefail

DB_USER="${MONNTO_PG_USER:-monnto}"
DB_PASSWORD="${MONNTO_PG_PASSWORD:-monnto}"
DB_NAME="${MONNTO_PG_DB:-monnto_test}"

log() { echo "postgres.sh: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    log "installing the Debian postgresql package"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
fi

VERSION="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$VERSION main"; then
    log "creating cluster $VERSION/main"
    pg_createcluster "$VERSION" main >&2
fi
# Loopback only.
CONF_DIR="/etc/postgresql/$VERSION/main"
mkdir -p "$CONF_DIR/conf.d"
echo "listen_addresses = '127.0.0.1'" > "$CONF_DIR/conf.d/monnto-loopback.conf"
PORT="$(pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $3}')"

if ! pg_lsclusters -h | awk -v v="$VERSION" '$1 == v && $2 == "main" {print $4}' | grep -q online; then
    log "starting cluster $VERSION/main on 127.0.0.1:$PORT"
    pg_ctlcluster "$VERSION" main start >&2
fi
for _ in $(seq 1 60); do
    if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
    sleep 0.5
done
pg_isready -q -h 127.0.0.1 -p "$PORT" || { log "server did not come up on 127.0.0.1:$PORT"; exit 1; }

as_postgres() { runuser -u postgres -- psql -p "$PORT" -v ON_ERROR_STOP=1 -tAq "$@"; }
if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != "1" ]; then
    log "creating role $DB_USER"
    as_postgres -c "CREATE ROLE \"$DB_USER\" LOGIN PASSWORD '$DB_PASSWORD'" >&2
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != "1" ]; then
    log "creating database $DB_NAME"
    as_postgres -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\"" >&2
fi

echo "postgresql://$DB_USER:$DB_PASSWORD@127.0.0.1:$PORT/$DB_NAME"
