# Stand-in for postgres:<version>-bookworm (compose:test only): Debian's PostgreSQL with a small
# entrypoint doing what the official one does for our compose file.
ARG BASE
FROM ${BASE}
ENV PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN mkdir -p /docker-entrypoint-initdb.d "$PGDATA" && chown postgres:postgres "$PGDATA"
STOPSIGNAL SIGINT
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["postgres"]
