#!/usr/bin/env bash
# A whole Fanout cluster on one machine, on loopback addresses:
#   2 origins (127.0.1.x), 2 edges (127.0.2.x), 1 load balancer (127.0.0.1)
#   sharing an embedded SQLite store, and a demo publisher (a test pattern
#   with a clock, through the LB, reconnecting like OBS).
#
#   scripts/run.sh          foreground; Ctrl-C stops everything   (make run)
#   scripts/run.sh up       the same in the background            (make up)
#   scripts/run.sh down     stops a background cluster            (make down)
#   scripts/run.sh status   what runs, and the cluster's nodes    (make status)
#
# Overridable: ORIGINS, EDGES, LB_ADDR, HTTP_PORT (5080), HTTPS_PORT (5443),
# RTMP_PORT (1935), RTMPS_PORT (8443), PERIOD_MS (5000), STORE_URI, DEMO (1),
# HLS_TIME (2), RUN_DIR (run/), LADDER (the origins' encoderSettingsString:
# with DEMO=1, three renditions below the demo's 720p source; "" for
# passthrough only), ADMIN_CIDRS (who may reach REST and /metrics through
# the LB; 127.0.0.1), PLAY_SIGNED (0; 1: players need signed URLs, from
# GET /LiveApp/rest/v2/broadcasts/{id}/token?type=play&expireDate=...).
# Logs and state under run/, secrets too: run/cluster.key (origin to
# origin), run/jwt.key (the REST API's JWT key) and run/play.keys (signed
# playback, origins and edges), mode 600.  The REST API wants a JWT
# (jwtControlEnabled); the banner prints a curl line with one.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUN=${RUN_DIR:-$ROOT/run}
BUILD_DIR=${FANOUT_BUILD:-$ROOT/build}
BIN=$BUILD_DIR/bin
MODULE=$BUILD_DIR/modules/ngx_http_fanout_module.so

ORIGINS=${ORIGINS:-127.0.1.1 127.0.1.2}
EDGES=${EDGES:-127.0.2.1 127.0.2.2}
LB_ADDR=${LB_ADDR:-127.0.0.1}
HTTP_PORT=${HTTP_PORT:-5080}
HTTPS_PORT=${HTTPS_PORT:-5443}
RTMP_PORT=${RTMP_PORT:-1935}
RTMPS_PORT=${RTMPS_PORT:-8443}
PERIOD_MS=${PERIOD_MS:-5000}
STORE_URI=${STORE_URI:-sqlite://$RUN/cluster.db}
DEMO=${DEMO:-1}
# The web console's first admin, created at start through Ant Media's
# POST /rest/v2/users/initial with a generated password (kept in
# run/console-admin.password, printed below).  Empty: leave the first-run
# setup to the console.
CONSOLE_ADMIN=${CONSOLE_ADMIN-admin@fanout.local}
# More origin.properties lines for every origin (tests), e.g.
# ORIGIN_PROPS=$'console.login_window_s=5'.
ORIGIN_PROPS=${ORIGIN_PROPS:-}
HLS_TIME=${HLS_TIME:-2}
PLAY_SIGNED=${PLAY_SIGNED:-0}
if [ "$DEMO" = 1 ]; then
  LADDER=${LADDER-480,1200000,0,360,800000,0,240,400000,0}
else
  LADDER=${LADDER-}
fi
ADMIN_CIDRS=${ADMIN_CIDRS:-127.0.0.1}
PIDS=$RUN/pids

# Every process of ours shares the cluster's liveness rule.
sep='?'; [[ $STORE_URI == *\?* ]] && sep='&'
STORE_FULL="$STORE_URI${sep}update_period_ms=$PERIOD_MS&dead_factor=4"

STARTED=0
say() { printf '%s\n' "$*"; }
# A start that fails half-way stops what it had started.
die() { say "run: $*" >&2; [ "$STARTED" = 1 ] && down >/dev/null 2>&1; exit 1; }

in_use() {   # ADDR PORT -> true when something listens there
  ss -Htln 2>/dev/null | awk '{print $4}' | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2$"
}

check_ports() {
  local spec
  for spec in "$@"; do
    set -- $spec
    in_use "$1" "$2" && die "$3 $1:$2 is already in use (override ${4}=...)"
  done
  return 0
}

spawn() {   # NAME CMD... : starts in its own session, records the pid
  local name=$1; shift
  setsid "$@" >>"$RUN/$name.log" 2>&1 < /dev/null &
  echo "$! $name" >> "$PIDS"
}

wait_http() {   # URL NAME [any]: a 2xx, or with "any" any HTTP answer
  local code
  for _ in $(seq 150); do
    code=$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)
    case $code in
      2??) return 0 ;;
      000) ;;
      *) [ "${3:-}" = any ] && return 0 ;;
    esac
    sleep 0.1
  done
  # the log's last lines go with the message: a failed start stops the
  # cluster, and a test's directory goes with it
  die "$2 did not answer at $1; see $RUN/$2.log and $RUN/$2/logs/; its log ends:
$(tail -n 20 "$RUN/$2.log" 2>/dev/null)"
}

render_edge() {   # N ADDR
  local dir=$RUN/edge-$1 origins=""
  mkdir -p "$dir/logs" "$dir/tmp" "$dir/cache"
  for o in $ORIGINS; do origins="$origins $o:$HTTP_PORT"; done
  python3 scripts/render_conf.py nginx-module/conf/edge.conf "$dir/nginx.conf" \
    --set "load_module=$MODULE" --set user=root --set worker_processes=1 \
    --set "pid=$dir/nginx.pid" --set "error_log=$dir/logs/error.log notice" \
    --set "access_log=$dir/logs/access.log fanout" \
    --set "listen=$2:$HTTP_PORT backlog=4096" \
    --set "fanout_store=\"$STORE_FULL\"" \
    --set "fanout_node_id=edge-$1" --set "fanout_node_address=$2:$HTTP_PORT" \
    --set "fanout_update_period=${PERIOD_MS}ms" \
    --set "fanout_origin_nodes=${origins# }" \
    --sub "# fanout_play_keys /etc/fanout/play.keys;=fanout_play_keys $RUN/play.keys;" \
    --set "fanout_play_signed=$([ "$PLAY_SIGNED" = 1 ] && echo on || echo off)" \
    --sub "/var/cache/nginx/fanout=$dir/cache" --temp-dir "$dir/tmp"
}

render_lb() {
  local dir=$RUN/lb
  mkdir -p "$dir/logs" "$dir/tmp"
  lb-config/gen-cert.sh "$RUN/tls" localhost
  python3 scripts/render_conf.py lb-config/lb.conf "$dir/nginx.conf" \
    --set user=root --set worker_processes=1 \
    --sub "/run/nginx-lb.pid=$dir/nginx.pid" --sub "/var/log/nginx/=$dir/logs/" \
    --sub "/etc/fanout/lb/=$dir/" --sub "/etc/fanout/tls/=$RUN/tls/" \
    --tag "HTTP=$LB_ADDR:$HTTP_PORT" --tag "HTTPS=$LB_ADDR:$HTTPS_PORT ssl http2" \
    --tag "RTMP=$LB_ADDR:$RTMP_PORT" --tag "RTMPS=$LB_ADDR:$RTMPS_PORT ssl" \
    --each "admin=$ADMIN_CIDRS" --temp-dir "$dir/tmp"
}

secret() {   # FILE: 32 random bytes in hex, made once, this user's only
  [ -s "$1" ] || (umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$1")
  cat "$1"
}

rest_token() {   # SECONDS: a REST JWT signed with run/jwt.key (0: no exp)
  "$BIN/fanout-origin" --jwt "$1" --config "$RUN/origin-1.properties"
}

up() {
  [ -s "$PIDS" ] && status_quiet && die "a cluster already runs (make down first)"
  [ -x "$BIN/fanout-origin" ] && [ -f "$MODULE" ] || die "not built: run make build"
  mkdir -p "$RUN"; : > "$PIDS"
  local specs=() n
  for o in $ORIGINS; do
    specs+=("$o $HTTP_PORT origin-http HTTP_PORT" "$o $RTMP_PORT origin-rtmp RTMP_PORT")
  done
  for e in $EDGES; do specs+=("$e $HTTP_PORT edge-http HTTP_PORT"); done
  specs+=("$LB_ADDR $HTTP_PORT lb-http HTTP_PORT" "$LB_ADDR $HTTPS_PORT lb-https HTTPS_PORT"
          "$LB_ADDR $RTMP_PORT lb-rtmp RTMP_PORT" "$LB_ADDR $RTMPS_PORT lb-rtmps RTMPS_PORT")
  check_ports "${specs[@]}"
  STARTED=1

  # The secrets, made once per run directory: the origins'
  # ClusterAuthorization key (takeover) and the REST API's JWT key.
  local cluster_key jwt_key
  cluster_key=$(secret "$RUN/cluster.key")
  jwt_key=$(secret "$RUN/jwt.key")
  # The signed playback keys, shared by origins and edges ("kid secret").
  if [ ! -s "$RUN/play.keys" ]; then
    (umask 077; echo "k1 $(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" > "$RUN/play.keys")
  fi

  n=0
  for o in $ORIGINS; do
    n=$((n + 1))
    (umask 077; : > "$RUN/origin-$n.properties")
    cat > "$RUN/origin-$n.properties" <<PROPS
server.name=origin-$n
server.host_address=$o
server.bind_address=$o
http.port=$HTTP_PORT
rtmp.port=$RTMP_PORT
clusterdb.host=$STORE_URI
cluster.update_period_ms=$PERIOD_MS
clusterCommunicationKey=$cluster_key
jwtControlEnabled=true
jwtSecretKey=$jwt_key
http.trusted_proxies=127.0.0.1,$LB_ADDR
hlsTime=$HLS_TIME
encoderSettingsString=$LADDER
play.keys_file=$RUN/play.keys
play.signed=$([ "$PLAY_SIGNED" = 1 ] && echo true || echo false)
console.dir=$ROOT/console/www
${ORIGIN_PROPS:-}
PROPS
    spawn "origin-$n" "$BIN/fanout-origin" --config "$RUN/origin-$n.properties"
  done
  n=0
  for o in $ORIGINS; do n=$((n + 1)); wait_http "http://$o:$HTTP_PORT/rest/v2/liveness" "origin-$n"; done

  n=0
  for e in $EDGES; do
    n=$((n + 1))
    render_edge "$n" "$e"
    spawn "edge-$n" nginx -g "daemon off;" -p "$RUN/edge-$n" -e "$RUN/edge-$n/logs/error.log" \
      -c "$RUN/edge-$n/nginx.conf"
  done

  n=0
  for e in $EDGES; do n=$((n + 1)); wait_http "http://$e:$HTTP_PORT/" "edge-$n" any; done

  render_lb
  local lbc="-p $RUN/lb -e $RUN/lb/logs/error.log -c $RUN/lb/nginx.conf"
  "$BIN/fanout-lb-sync" --store "$STORE_FULL" --dir "$RUN/lb" --once >> "$RUN/lb-sync.log" 2>&1
  spawn lb nginx $lbc -g "daemon off;"
  wait_http "http://$LB_ADDR:$HTTP_PORT/rest/v2/liveness" lb
  spawn lb-sync "$BIN/fanout-lb-sync" --store "$STORE_FULL" --dir "$RUN/lb" \
    --period-ms "$PERIOD_MS" --test-cmd "nginx -t -q $lbc" \
    --reload-cmd "nginx -s reload $lbc"

  if [ "$DEMO" = 1 ]; then
    spawn demo-publisher bash -c "
      while true; do
        ffmpeg -hide_banner -loglevel error -nostdin -re \
          -f lavfi -i 'testsrc=size=1280x720:rate=30' \
          -f lavfi -i 'sine=frequency=440:sample_rate=48000' \
          -vf \"drawtext=fontfile=/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf:text='%{localtime\:%T}':fontsize=64:fontcolor=white:box=1:boxcolor=black@0.6:x=40:y=40\" \
          -c:v libx264 -preset veryfast -tune zerolatency -g 60 -pix_fmt yuv420p \
          -c:a aac -b:a 96k -f flv -rw_timeout 2000000 -tcp_nodelay 1 \
          rtmp://$LB_ADDR:$RTMP_PORT/LiveApp/demo
        sleep 1   # reconnect, as OBS does; -rw_timeout: an origin that
                  # stops reading (paused, cut off) is left after 2 s;
                  # -tcp_nodelay: as OBS, or each command waits 40 ms
      done"
  fi
  console_admin
  info
}

console_admin() {   # the console's first admin, once per store
  local H=http://$LB_ADDR:$HTTP_PORT pw=$RUN/console-admin.password
  [ -n "$CONSOLE_ADMIN" ] || return 0
  curl -sf "$H/rest/v2/first-login-status" | grep -q '"success":true' || return 0
  # The password goes in files only (umask 077), never on a command line.
  (umask 077; od -An -N12 -tx1 /dev/urandom | tr -d ' \n' > "$pw"
   printf '{"email":"%s","password":"%s"}' "$CONSOLE_ADMIN" "$(cat "$pw")" > "$pw.json")
  curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
    --data-binary "@$pw.json" "$H/rest/v2/users/initial" \
    || say "run: the console admin could not be created"
  rm -f "$pw.json"
}

info() {
  local H=http://$LB_ADDR:$HTTP_PORT S=https://$LB_ADDR:$HTTPS_PORT
  # A day's token for the lines below (make a fresh one with
  # build/bin/fanout-origin --jwt SECONDS --config $RUN/origin-1.properties).
  local T; T=$(rest_token 86400)
  cat <<INFO

Fanout is running: origins $ORIGINS, edges $EDGES, load balancer $LB_ADDR
(store: $STORE_URI; logs: $RUN/)

  Console $H/   user $CONSOLE_ADMIN, password $(cat "$RUN/console-admin.password" 2>/dev/null || echo '(set at first login)')
  HLS    $H/LiveApp/streams/demo_adaptive.m3u8   (every rendition; ladder: ${LADDER:-none})
         $H/LiveApp/streams/demo.m3u8            (the source alone)
         $S/LiveApp/streams/demo.m3u8   (self-signed: curl -k)
  DASH   $H/LiveApp/streams/demo/demo.mpd
  OBS    server rtmp://$LB_ADDR:$RTMP_PORT/LiveApp  (or rtmps://$LB_ADDR:$RTMPS_PORT/LiveApp)
         stream key: any id, e.g. mystream

REST (Ant Media paths, through the LB to an origin; from $ADMIN_CIDRS only,
with a JWT signed with $RUN/jwt.key, valid 24 h):
  curl -H 'Authorization: $T' $H/rest/v2/cluster/nodes/0/10
  TOKEN='$T'
  curl -H "Authorization: \$TOKEN" $H/LiveApp/rest/v2/broadcasts/list/0/10
  curl -H "Authorization: \$TOKEN" -X POST -H 'Content-Type: application/json' -d '{"name":"show"}' $H/LiveApp/rest/v2/broadcasts/create
  curl -H "Authorization: \$TOKEN" $H/LiveApp/rest/v2/broadcasts/demo
  curl -H "Authorization: \$TOKEN" "$H/LiveApp/rest/v2/broadcasts/demo/token?type=play&expireDate=\$(( \$(date +%s) + 3600 ))"
         (a signed URL: "url" under $H; needed with PLAY_SIGNED=1, now ${PLAY_SIGNED})
  curl -H "Authorization: \$TOKEN" $H/rest/v2/applications/settings/LiveApp   (the ladder: encoderSettingsString)
  curl $H/metrics   (no token: remoteAllowedCIDR only)
INFO
}

down() {
  [ -s "$PIDS" ] || { say "run: nothing runs"; return 0; }
  local pid name
  # Publisher first, then the LB, edges, origins (they release their streams).
  tac "$PIDS" | while read -r pid name; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 100); do
    local alive=0
    while read -r pid name; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$PIDS"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  while read -r pid name; do kill -KILL -- "-$pid" 2>/dev/null || true; done < "$PIDS"
  : > "$PIDS"
  say "stopped; logs in $RUN"
}

status_quiet() {
  local pid name any=0
  while read -r pid name; do kill -0 "$pid" 2>/dev/null && any=1; done < "$PIDS"
  [ $any = 1 ]
}

status() {
  [ -s "$PIDS" ] || { say "run: nothing runs"; return 0; }
  local pid name
  while read -r pid name; do
    if kill -0 "$pid" 2>/dev/null; then say "  up    $name ($pid)"; else say "  DOWN  $name"; fi
  done < "$PIDS"
  say
  curl -sf -H "Authorization: $(rest_token 60)" \
    "http://$LB_ADDR:$HTTP_PORT/rest/v2/cluster/nodes/0/50" | python3 -c '
import json, sys
for n in json.load(sys.stdin):
    print("  %-10s %-6s %s:%-5s %-5s streams=%s" % (n["id"], n["role"],
          n["ip"], n["httpPort"], n["status"], n["activeStreams"]))
' || say "  (the cluster API does not answer)"
}

case ${1:-run} in
  up) up ;;
  down) down ;;
  status) status ;;
  run)
    trap 'trap - INT TERM; say; say "stopping..."; down; exit 0' INT TERM
    up
    say; say "Ctrl-C stops everything."
    while status_quiet; do sleep 1; done
    ;;
  *) die "usage: scripts/run.sh [up|down|status]" ;;
esac
