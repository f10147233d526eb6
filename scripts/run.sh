#!/usr/bin/env bash
# make run: a local Fanout cluster in the foreground, with a demo stream.
# Ctrl-C stops everything.  Logs and state under run/.
#
# Overridable: ORIGIN_ADDR (127.0.1.1), HTTP_PORT (5080), RTMP_PORT (1935),
# STORE_URI (sqlite://$PWD/run/cluster.db), DEMO (1: publish a test pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=$ROOT/run
BIN=$ROOT/build/bin
mkdir -p "$RUN"

ORIGIN_ADDR=${ORIGIN_ADDR:-127.0.1.1}
HTTP_PORT=${HTTP_PORT:-5080}
RTMP_PORT=${RTMP_PORT:-1935}
STORE_URI=${STORE_URI:-sqlite://$RUN/cluster.db}
DEMO=${DEMO:-1}

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "stopping..."
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "stopped; logs in $RUN"
}
trap cleanup INT TERM EXIT

# A port already taken is reported by name.
port_free() {
  ! ss -Htln "sport = :$2" 2>/dev/null | awk '{print $4}' \
      | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2$"
}
for spec in "$ORIGIN_ADDR $HTTP_PORT http.port" "$ORIGIN_ADDR $RTMP_PORT rtmp.port"; do
  set -- $spec
  if ! port_free "$1" "$2"; then
    echo "run: $3 $1:$2 is already in use (set ${3%%.*}_PORT=...)" >&2
    exit 1
  fi
done

conf=$RUN/origin-1.properties
cat > "$conf" <<PROPS
server.name=origin-1
server.host_address=$ORIGIN_ADDR
server.bind_address=$ORIGIN_ADDR
http.port=$HTTP_PORT
rtmp.port=$RTMP_PORT
clusterdb.host=$STORE_URI
PROPS
"$BIN/fanout-origin" --config "$conf" >"$RUN/origin-1.log" 2>&1 &
pids+=($!)

for i in $(seq 100); do
  curl -sf "http://$ORIGIN_ADDR:$HTTP_PORT/rest/v2/liveness" >/dev/null && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then
    echo "run: the origin exited:" >&2; tail -5 "$RUN/origin-1.log" >&2; exit 1
  fi
  sleep 0.1
done

PUBLISH=rtmp://$ORIGIN_ADDR:$RTMP_PORT/LiveApp
if [ "$DEMO" = 1 ]; then
  ffmpeg -hide_banner -loglevel error -nostdin -re \
    -f lavfi -i "testsrc=size=1280x720:rate=30" \
    -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -vf "drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='%{localtime\:%T}':fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=40:y=40" \
    -c:v libx264 -preset veryfast -tune zerolatency -g 60 -pix_fmt yuv420p \
    -c:a aac -b:a 96k -f flv "$PUBLISH/demo" >"$RUN/demo-publisher.log" 2>&1 &
  pids+=($!)
fi

H=http://$ORIGIN_ADDR:$HTTP_PORT
cat <<INFO

Fanout is running (store: $STORE_URI; logs: $RUN/)

  HLS   $H/LiveApp/streams/demo.m3u8
  DASH  $H/LiveApp/streams/demo/demo.mpd
  OBS   server $PUBLISH   stream key: any id, e.g. mystream

REST (Ant Media paths):
  curl $H/LiveApp/rest/v2/broadcasts/list/0/10
  curl -X POST -H 'Content-Type: application/json' -d '{"name":"show"}' $H/LiveApp/rest/v2/broadcasts/create
  curl $H/LiveApp/rest/v2/broadcasts/demo
  curl $H/rest/v2/cluster/nodes/0/10
  curl $H/rest/v2/system-resources
  curl $H/metrics

Ctrl-C stops everything.
INFO
wait -n "${pids[@]}" || true
echo "run: a process exited; see $RUN/*.log" >&2
