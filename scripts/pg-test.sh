#!/usr/bin/env bash
# Runs the database and end-to-end test projects against the machine's Debian PostgreSQL 15,
# the oldest major we support (npm test already covers the embedded PostgreSQL 18).
# Skips with a message when no PostgreSQL 15 is installed (fails under CI=true). Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$PGBIN/pg_ctl" ]; then
  if [ "${CI:-}" = true ] || [ "${CI:-}" = 1 ]; then
    echo "pg-test: no PostgreSQL 15 at $PGBIN, which CI needs (apt-get install postgresql-15)" >&2
    exit 1
  fi
  echo "pg-test: no PostgreSQL 15 at $PGBIN, skipping the PostgreSQL 15 run"
  exit 0
fi

DIR=$(mktemp -d /tmp/bigbrotr-pg15-XXXXXX)
PORT=${PG15_PORT:-55415}
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --user-group --no-create-home postgres
  chown postgres "$DIR"
  RUN_AS=(runuser -u postgres --)
fi
chmod 700 "$DIR"

cleanup() {
  "${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap cleanup EXIT

PASSWORD=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s' "$PASSWORD" > "$DIR/pw" && chmod 600 "$DIR/pw" && chown --reference="$DIR" "$DIR/pw"
"${RUN_AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --pwfile="$DIR/pw" \
  --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C >/dev/null
"${RUN_AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/pg.log" -w \
  -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c fsync=off -c max_connections=200" start >/dev/null
echo "pg-test: $("$PGBIN/postgres" --version) on 127.0.0.1:$PORT"

TEST_DATABASE_URL="postgres://postgres:$PASSWORD@127.0.0.1:$PORT/postgres" npx vitest run --project db --project e2e "$@"
