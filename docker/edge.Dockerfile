# A Fanout edge: Debian's nginx + ngx_http_fanout_module, running
# nginx-module/conf/edge.conf (its "site:" lines filled from the
# environment by docker/edge-entrypoint.sh; see there for the variables).
#
#   docker build -f docker/edge.Dockerfile -t fanout/edge .

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

# ---- module: ngx_http_fanout_module.so, as the Makefile's `module` target ----
# Built against Debian's nginx-dev with the flags Debian built nginx with,
# plus --with-compat; nginx's configure writes into the tree it runs in, so
# it runs in a copy.
FROM build AS module
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends nginx-dev \
 && rm -rf /var/lib/apt/lists/*
COPY nginx-module/ nginx-module/
SHELL ["/bin/bash", "-euo", "pipefail", "-c"]
RUN rm -rf build/nginx-src build/nginx \
 && cp -a /usr/share/nginx/src build/nginx-src \
 && source /usr/share/nginx/src/conf_flags \
 && cd build/nginx-src \
 && FANOUT_ROOT=/src FANOUT_BUILD=/src/build ./configure "${NGX_CONF_FLAGS[@]}" \
      --with-compat --add-dynamic-module=/src/nginx-module \
      --builddir=/src/build/nginx >/src/build/nginx.configure.log 2>&1 \
      || { tail -20 /src/build/nginx.configure.log; exit 1; } \
 && make -f /src/build/nginx/Makefile -j "$(nproc)" modules \
 && install -D -m 0644 /src/build/nginx/ngx_http_fanout_module.so /out/ngx_http_fanout_module.so \
 && strip --strip-unneeded /out/ngx_http_fanout_module.so

# ---- conf: the shipped nginx configuration, rendered by scripts/render_conf.py
FROM debian:12 AS conf
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY scripts/render_conf.py scripts/
COPY docker/render-conf.sh docker/
COPY nginx-module/conf/edge.conf nginx-module/conf/
RUN bash docker/render-conf.sh edge /src /out/edge.conf.in

# ---- runtime -----------------------------------------------------------------
FROM debian:12
ARG DEBIAN_FRONTEND=noninteractive
# policy-rc.d: the package must not start nginx during the build.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
 && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      nginx iproute2 curl ca-certificates \
      libhiredis0.14 libmongoc-1.0-0 libbson-1.0-0 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
      /etc/nginx/sites-enabled/default
COPY --from=module /out/ngx_http_fanout_module.so /usr/lib/nginx/modules/
COPY --from=conf /out/edge.conf.in /etc/fanout/edge.conf.in
COPY docker/edge-entrypoint.sh /usr/local/bin/fanout-edge-entrypoint
COPY docker/fanout-entrypoint-lib.sh /usr/local/bin/fanout-entrypoint-lib.sh
# The module must match this nginx exactly (same version, --with-compat):
# a mismatch fails the build here, not at start-up.
RUN chmod 0755 /usr/local/bin/fanout-edge-entrypoint \
 && mkdir -p /var/cache/nginx/fanout \
 && chown www-data:www-data /var/cache/nginx/fanout \
 && printf 'load_module /usr/lib/nginx/modules/ngx_http_fanout_module.so;\nevents {}\n' \
      > /tmp/module-check.conf \
 && nginx -t -q -c /tmp/module-check.conf \
 && rm /tmp/module-check.conf
EXPOSE 5080
STOPSIGNAL SIGQUIT
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=6 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:5080/fanout_status || exit 1
ENTRYPOINT ["fanout-edge-entrypoint"]
