# The Fanout load balancer: Debian's nginx + libnginx-mod-stream running
# lb-config/lb.conf, and fanout-lb-sync keeping its upstreams equal to the
# alive nodes in the cluster store (docker/lb-entrypoint.sh runs both).
#
#   docker build -f docker/lb.Dockerfile -t fanout/lb .
#
# TLS: mount your certificate and key at /etc/fanout/tls/lb.crt and lb.key;
# without them a self-signed pair is made at first start
# (lb-config/gen-cert.sh).

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

# ---- conf: the shipped nginx configuration, rendered by scripts/render_conf.py
FROM debian:12 AS conf
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/render_conf.py scripts/
COPY docker/render-conf.sh docker/
COPY lb-config/lb.conf lb-config/
RUN bash docker/render-conf.sh lb /src /out/lb.conf.in

# ---- runtime -----------------------------------------------------------------
FROM debian:12
ARG DEBIAN_FRONTEND=noninteractive
# policy-rc.d: the package must not start nginx during the build.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
 && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      nginx libnginx-mod-stream openssl curl ca-certificates \
      libhiredis0.14 libmongoc-1.0-0 libbson-1.0-0 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
      /etc/nginx/sites-enabled/default \
 && mkdir -p /etc/fanout/lb /etc/fanout/tls
COPY --from=build /out/fanout-lb-sync /usr/local/bin/fanout-lb-sync
COPY lb-config/gen-cert.sh /usr/local/bin/fanout-gen-cert
COPY --from=conf /out/lb.conf.in /etc/fanout/lb.conf.in
COPY docker/lb-entrypoint.sh /usr/local/bin/fanout-lb-entrypoint
COPY docker/fanout-entrypoint-lib.sh /usr/local/bin/fanout-entrypoint-lib.sh
RUN chmod 0755 /usr/local/bin/fanout-lb-entrypoint /usr/local/bin/fanout-gen-cert
EXPOSE 5080 5443 1935 8443
HEALTHCHECK --interval=5s --timeout=3s --start-period=10s --retries=6 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:5080/rest/v2/liveness || exit 1
ENTRYPOINT ["fanout-lb-entrypoint"]
