# fanout-origin: RTMP ingest, CMAF HLS + DASH, REST API, cluster membership.
#
#   docker build -f docker/origin.Dockerfile -t fanout/origin .
#
# Configured by /etc/fanout/origin.properties (origin/conf/origin.properties
# as shipped) and, above it, FANOUT_* environment variables: FANOUT_ + the
# key in upper case with dots as underscores (FANOUT_SERVER_NAME,
# FANOUT_CLUSTERDB_HOST, FANOUT_REMOTEALLOWEDCIDR...).  server.host_address
# defaults to the container's first non-loopback IPv4 address.

# ---- build: the store, fanout-origin, fanout-lb-sync, fanout-load ----------
# This stage is the same text in origin.Dockerfile, edge.Dockerfile and
# lb.Dockerfile, so a build of the whole compose file compiles it once (the
# layer cache is shared).  The top-level CMakeLists.txt also configures the
# tests (cmocka, GoogleTest), so their headers are installed; only the
# targets the images need are built.
FROM debian:12 AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config \
      libhiredis-dev libmongoc-dev libbson-dev libsqlite3-dev \
      libcurl4-openssl-dev libssl-dev libsodium-dev libboost-dev nlohmann-json3-dev \
      libcmocka-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY sql/ sql/
COPY store/ store/
COPY auth/ auth/
COPY origin/ origin/
COPY console/ console/
COPY lb-config/ lb-config/
COPY tests/ tests/
COPY bench/ bench/
COPY load/ load/
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo \
 && cmake --build build -j "$(nproc)" --target fanout-origin fanout-lb-sync \
      fanout-load \
 && install -D -s -m 0755 build/bin/fanout-origin /out/fanout-origin \
 && install -D -s -m 0755 build/bin/fanout-lb-sync /out/fanout-lb-sync \
 && install -D -s -m 0755 build/bin/fanout-load /out/fanout-load

# ---- console: the web console's files and the npm modules it vendors --------
# (console/install.sh, as `make deps` runs it: npm ci from the lock file).
FROM debian:12 AS console
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src/console
COPY console/ ./
RUN sh install.sh

# ---- runtime -----------------------------------------------------------------
FROM debian:12
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libhiredis0.14 libmongoc-1.0-0 libbson-1.0-0 libsqlite3-0 libcurl4 \
      libssl3 libsodium23 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --user-group --home-dir /var/lib/fanout --create-home \
      --shell /usr/sbin/nologin fanout
COPY --from=build /out/fanout-origin /usr/local/bin/fanout-origin
# The load generator (load/README.md), next to the origin it loads.
COPY --from=build /out/fanout-load /usr/local/bin/fanout-load
COPY origin/conf/origin.properties /etc/fanout/origin.properties
COPY --from=console /src/console/www/ /usr/local/share/fanout/console/
USER fanout
WORKDIR /var/lib/fanout
EXPOSE 5080 1935
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=6 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:5080/rest/v2/liveness || exit 1
CMD ["fanout-origin", "--config", "/etc/fanout/origin.properties"]
