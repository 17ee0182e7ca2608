# Stand-in for node:20-bookworm-slim (compose:test only): the host's Node 20 (binary, headers
# for node-gyp, npm) on the Debian base, which already holds the packages deployments/Dockerfile
# installs (python3, make, g++, tini, ca-certificates), so its apt-get steps find nothing to
# fetch. npm works offline from a copy of the host's npm cache (filled by `npm ci` there).
ARG BASE
FROM ${BASE}
COPY node/bin/node /usr/local/bin/node
COPY node/include/node /usr/local/include/node
COPY node/npm /usr/local/lib/node_modules/npm
COPY npm-cache /opt/npm-cache
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx
ENV npm_config_cache=/opt/npm-cache npm_config_offline=true npm_config_nodedir=/usr/local \
  npm_config_update_notifier=false
CMD ["node"]
