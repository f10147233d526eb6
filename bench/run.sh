#!/usr/bin/env bash
# Every benchmark; figures go to docs/benchmarks.md with this command.
#   make bench                 (all)
#   bench/run.sh store         (one group)
#   bench/run.sh load          (fanout-load's smoke run: not in `make bench`)
#   bench/run.sh scale         (one origin's publishers, one edge worker's
#                               viewers against plain nginx, 1 node
#                               against 2 under a CPU quota, the whole
#                               cluster under load with kills: issue #16)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-$PWD/build}
groups=${*:-store ingest cluster edge transcode console scale}

machine() {
  echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores," \
       "$(free -g | awk '/Mem:/{print $2}') GiB, $(. /etc/os-release; echo "$PRETTY_NAME")"
}

bench_store() {
  echo "### store: one client, loopback, ${STORE_ITERS:-5000} ops per row"
  echo
  echo "| backend | op | ops | ops/s | p50 µs | p99 µs |"
  echo "| --- | --- | ---: | ---: | ---: | ---: |"
  for b in sqlite redis mongodb; do
    "$BUILD/bin/store_bench" "$b" "${STORE_ITERS:-5000}" 2>/dev/null
  done
}

bench_ingest() {
  # Server and publishers on separate CPUs (--placement apart); then the
  # one-publisher row again on one shared CPU, the case that is not apart.
  BUILD=$BUILD /usr/bin/python3 bench/ingest/ingest_bench.py \
    --counts "${INGEST_COUNTS:-1,10,30}" --seconds "${INGEST_SECONDS:-30}" \
    --repeat "${INGEST_REPEAT:-3}"
  echo
  BUILD=$BUILD /usr/bin/python3 bench/ingest/ingest_bench.py --counts 1 \
    --seconds "${INGEST_SECONDS:-30}" --repeat "${INGEST_REPEAT:-3}" \
    --placement shared
}

bench_cluster() {
  FANOUT_BUILD=$BUILD /usr/bin/python3 bench/cluster/cluster_bench.py
}

bench_edge() {
  BUILD=$BUILD bash bench/edge/run.sh
}

bench_load() {
  # fanout-load driving one origin: a smoke check, not a scale figure.
  BUILD=$BUILD /usr/bin/python3 bench/load/smoke_bench.py \
    --publishers "${LOAD_PUBLISHERS:-20}" --viewers "${LOAD_VIEWERS:-100}" \
    --seconds "${LOAD_SECONDS:-20}"
}

bench_scale() {
  # One origin, 2 Mbit/s publishers rising until a step fails, then the
  # same at SCALE_LOW_MBPS (the generator's core is the limit first on 2
  # cores); one edge worker against plain nginx, HLS viewers rising, then
  # the 10,000-viewer run at the low bit rate.
  BUILD=$BUILD /usr/bin/python3 bench/scale/origin_scale.py \
    --counts "${SCALE_PUBLISHERS:-300,450,600,800,1000}" \
    --seconds "${SCALE_SECONDS:-30}"
  echo
  BUILD=$BUILD /usr/bin/python3 bench/scale/origin_scale.py \
    --counts "${SCALE_LOW_PUBLISHERS:-1000,1500}" --mbps "${SCALE_LOW_MBPS:-0.5}" \
    --seconds "${SCALE_SECONDS:-30}"
  echo
  BUILD=$BUILD /usr/bin/python3 bench/scale/edge_scale.py \
    --counts "${SCALE_VIEWERS:-250,500,1000,2000}" --seconds "${SCALE_SECONDS:-30}"
  echo
  BUILD=$BUILD /usr/bin/python3 bench/scale/edge_scale.py \
    --counts 10000 --mbps "${SCALE_LOW_MBPS:-0.5}" --seconds "${SCALE_SECONDS:-30}"
  echo
  # 1 node against 2 behind the LB, each held to SCALE_QUOTA of a core
  # (a cpu cgroup): publishers on origins, then viewers on edges.
  BUILD=$BUILD /usr/bin/python3 bench/scale/node_scaling.py \
    --quota "${SCALE_QUOTA:-0.25}"
  echo
  # The make up cluster: 100 publishers, 5,000 viewers, 5 minutes, an
  # origin and an edge killed.
  BUILD=$BUILD /usr/bin/python3 bench/scale/cluster_load.py \
    --publishers "${CLUSTER_PUBLISHERS:-100}" \
    --viewers "${CLUSTER_VIEWERS:-5000}" --seconds "${CLUSTER_SECONDS:-300}"
}

bench_transcode() {
  BUILD=$BUILD /usr/bin/python3 bench/transcode/transcode_bench.py \
    --seconds "${TRANSCODE_SECONDS:-60}"
}

bench_console() {
  # 200 nodes and 10,000 live streams in the store; REST latency on SQLite
  # and Redis, then the origin's CPU with and without a console open
  # (CONSOLE_CPU_SECONDS per case, on SQLite).
  BUILD=$BUILD /usr/bin/python3 bench/console/console_bench.py \
    --backends "${CONSOLE_BACKENDS:-sqlite,redis}" \
    --seconds "${CONSOLE_SECONDS:-5}" \
    --cpu-seconds "${CONSOLE_CPU_SECONDS:-60}"
}

machine
echo
for g in $groups; do "bench_$g"; echo; done
