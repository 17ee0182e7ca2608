# Stand-in for quay.io/prometheuscommunity/postgres-exporter (compose:test only): Debian's.
ARG BASE
FROM ${BASE}
USER nobody
ENTRYPOINT ["/usr/bin/prometheus-postgres-exporter"]
