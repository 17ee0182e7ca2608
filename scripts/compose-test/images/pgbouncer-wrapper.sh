#!/bin/sh
# Debian 12's PgBouncer is 1.18; the compose file's image is 1.24. 1.18 refuses to start on
# max_prepared_statements (1.21+), so this stand-in drops that one line from a copy of the ini
# and runs the real binary on the copy. Nothing else is changed.
set -eu
ini=${1:?usage: pgbouncer INI}
copy=/var/run/pgbouncer/pgbouncer.ini
grep -v '^max_prepared_statements' "$ini" > "$copy"
exec /usr/sbin/pgbouncer "$copy"
