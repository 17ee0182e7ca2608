# Stand-in for prom/prometheus (compose:test only): Debian's Prometheus, as nobody, storing in
# /prometheus (the compose file's volume).
ARG BASE
FROM ${BASE}
RUN install -d -o nobody -g nogroup /prometheus /etc/prometheus
USER nobody
WORKDIR /prometheus
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
