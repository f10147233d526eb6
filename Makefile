# Fanout — build, test, run.  `make run` and `make test` are all a new user
# needs; each installs what it lacks first (make deps).

SHELL := /bin/bash
ROOT  := $(CURDIR)
BUILD := $(ROOT)/build
JOBS  ?= $(shell nproc)
FUZZ_TARGETS := uri http_request rtmp_handshake rtmp_chunk amf0 flv session ladder_settings jwt token_query playback_token http_response rtmp_publish

# Debian 12 packages the build, the tests and the benchmarks need.
APT_PACKAGES := build-essential cmake pkg-config clang clang-format libclang-rt-14-dev \
  git curl ca-certificates iproute2 procps psmisc \
  nginx nginx-dev libnginx-mod-rtmp libnginx-mod-stream \
  libpcre3-dev libssl-dev zlib1g-dev libsodium-dev \
  ffmpeg libavcodec-dev libavformat-dev libavutil-dev libswscale-dev \
  libswresample-dev libavfilter-dev \
  libhiredis-dev libmongoc-dev libbson-dev libsqlite3-dev sqlite3 \
  libcurl4-openssl-dev libcmocka-dev libgtest-dev libgmock-dev redis-server \
  libboost-dev libboost-system-dev nlohmann-json3-dev \
  fonts-dejavu-core python3 python3-pytest wrk docker-compose chromium \
  prometheus python3-yaml ccache

.PHONY: all build deps store module test run up down status bench fuzz format clean

all: build

deps:
	@missing=$$(for p in $(APT_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$(echo $$missing | sed 's/^/ /')"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@command -v node >/dev/null || { echo "deps: node >= 20 is needed for the MongoDB-wire test server and the browser tests" >&2; exit 1; }
	@tests/mongo-server/install.sh
	@tests/browser/install.sh
	@console/install.sh

# Compiles go through ccache where there is one (make deps installs it):
# a rebuild of the same sources, in this clone or in another, is a cache
# hit.  Paths are made relative to the clone (CCACHE_BASEDIR) and the
# working directory is not hashed, so a fresh clone anywhere hits too;
# the sanitizer and fuzz builds use the same cache.  CCACHE_DISABLE=1
# turns it off.
ifneq ($(shell command -v ccache),)
export CCACHE_BASEDIR ?= $(ROOT)
export CCACHE_NOHASHDIR ?= 1
LAUNCHER := -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache
endif

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(LAUNCHER)

store: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

# The edge module, built against Debian's nginx-dev.  nginx's configure
# writes into the tree it runs in, so it runs in a copy under build/.
NGX_SRC  := /usr/share/nginx/src
NGX_COPY := $(BUILD)/nginx-src
NGX_OBJS := $(BUILD)/nginx

module: store
	@if [ ! -f $(NGX_OBJS)/Makefile ] || [ nginx-module/config -nt $(NGX_OBJS)/Makefile ]; then \
	  rm -rf $(NGX_COPY) && cp -a $(NGX_SRC) $(NGX_COPY) && \
	  source $(NGX_SRC)/conf_flags && cd $(NGX_COPY) && \
	  FANOUT_ROOT=$(ROOT) FANOUT_BUILD=$(BUILD) ./configure "$${NGX_CONF_FLAGS[@]}" \
	    --with-compat --add-dynamic-module=$(ROOT)/nginx-module \
	    --builddir=$(NGX_OBJS) >$(NGX_OBJS).configure.log 2>&1 || \
	    { tail -20 $(NGX_OBJS).configure.log; exit 1; }; \
	fi
	@# nginx's Makefile knows the module's objects, not the store and auth
	@# libraries it links: a newer library means a new link.
	@if [ $(BUILD)/lib/libfanout_store.a -nt $(NGX_OBJS)/ngx_http_fanout_module.so ] || \
	    [ $(BUILD)/lib/libfanout_playback.a -nt $(NGX_OBJS)/ngx_http_fanout_module.so ]; then \
	  rm -f $(NGX_OBJS)/ngx_http_fanout_module.so; fi
	cd $(NGX_COPY) && $(MAKE) -s -f $(NGX_OBJS)/Makefile modules
	@# A new file renamed into place: nginx running from the old one (a
	@# test, a bench, make run) keeps its mapping; cp over it would crash it.
	@mkdir -p $(BUILD)/modules && \
	  cp $(NGX_OBJS)/ngx_http_fanout_module.so $(BUILD)/modules/.ngx_http_fanout_module.so.new && \
	  mv -f $(BUILD)/modules/.ngx_http_fanout_module.so.new $(BUILD)/modules/ngx_http_fanout_module.so

build: store module

test: deps build
	@bash tests/run_all.sh

run: deps build
	@bash scripts/run.sh

up: deps build
	@bash scripts/run.sh up

down:
	@bash scripts/run.sh down

status:
	@bash scripts/run.sh status

# `make bench BENCH=cluster` runs one group (bench/run.sh's names).
bench: deps build
	@bash bench/run.sh $(BENCH)

fuzz: deps build
	@for t in $(FUZZ_TARGETS); do tests/fuzz/run.sh $$t $${FUZZ_SECONDS:-300} $(BUILD)/fuzz || exit 1; done

# The C++ tree by the root .clang-format (make test checks it).
format:
	@tools/format.sh

clean:
	rm -rf $(BUILD)
