# Stand-in for edoburu/pgbouncer (compose:test only): Debian's PgBouncer, run as postgres (it
# refuses root); the compose file's entrypoint writes the user list to /var/run/pgbouncer and
# runs `pgbouncer`, which here is pgbouncer-wrapper.sh (see there).
ARG BASE
FROM ${BASE}
RUN install -d -o postgres -g postgres /var/run/pgbouncer /etc/pgbouncer
COPY pgbouncer-wrapper.sh /usr/local/bin/pgbouncer
USER postgres
ENTRYPOINT ["pgbouncer"]
CMD ["/etc/pgbouncer/pgbouncer.ini"]
