#!/bin/sh
# Writes PgBouncer's user list from the environment, then runs PgBouncer in the foreground.
# Plain-text entries let PgBouncer answer SCRAM itself and log in to PostgreSQL with SCRAM.
set -eu
list=/var/run/pgbouncer/userlist.txt
umask 077
: > "$list"
add_user() {
  # $1 user, $2 password; a double quote inside the password is doubled, as PgBouncer expects
  if [ -n "$2" ]; then
    printf '"%s" "%s"\n' "$1" "$(printf '%s' "$2" | sed 's/"/""/g')" >> "$list"
  fi
}
add_user writer "${DB_WRITER_PASSWORD:-}"
add_user reader "${DB_READER_PASSWORD:-}"
add_user refresher "${DB_REFRESHER_PASSWORD:-}"
add_user api "${DB_API_PASSWORD:-}"
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
