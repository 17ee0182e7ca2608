# Stand-in for prom/alertmanager (compose:test only): Debian's Alertmanager, as nobody.
ARG BASE
FROM ${BASE}
RUN install -d -o nobody -g nogroup /alertmanager /etc/alertmanager
USER nobody
WORKDIR /alertmanager
ENTRYPOINT ["/usr/bin/prometheus-alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
