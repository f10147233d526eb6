#!/usr/bin/env bash
# The Fanout load balancer container: nginx (lb-config/lb.conf, rendered at
# build time) plus fanout-lb-sync, which keeps its upstreams equal to the
# alive nodes in the cluster store -- what scripts/run.sh does for `make run`.
#
#   FANOUT_CLUSTERDB_HOST            the cluster store URI (required)
#   FANOUT_CLUSTER_UPDATE_PERIOD_MS  sync period and heartbeat period (5000)
#   FANOUT_CLUSTER_DEAD_FACTOR       periods before a node is dead (4)
#   FANOUT_TLS_NAMES                 names for the self-signed certificate
#                                    made when /etc/fanout/tls has none
#                                    (localhost)
#   FANOUT_WORKER_PROCESSES          nginx worker_processes (auto)
#   FANOUT_LB_ADMIN_CIDRS            who may reach /rest/, /{app}/rest/ and
#                                    /metrics through the LB: CIDRs,
#                                    comma- or blank-separated (127.0.0.1)
#
#   fanout-lb-entrypoint             render, first sync, nginx + sync loop
#   fanout-lb-entrypoint render      render only (FANOUT_LB_TEMPLATE,
#                                    FANOUT_LB_CONF choose the paths)
#   fanout-lb-entrypoint CMD...      render, then exec CMD
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true   # '&' in values is literal

TEMPLATE=${FANOUT_LB_TEMPLATE:-/etc/fanout/lb.conf.in}
CONF=${FANOUT_LB_CONF:-/etc/fanout/lb.conf}
UPSTREAMS=/etc/fanout/lb   # lb.conf includes upstreams-{http,stream}.conf here
TLS=/etc/fanout/tls        # lb.crt and lb.key, as lb.conf names them

ENTRYPOINT_NAME=lb-entrypoint
# log, die, check, with_option
. "$(dirname "$0")/fanout-entrypoint-lib.sh"

render() {
  local workers=${FANOUT_WORKER_PROCESSES:-auto} text
  check "$workers" FANOUT_WORKER_PROCESSES '^(auto|[0-9]+)$'
  [ -r "$TEMPLATE" ] || die "no template at $TEMPLATE"
  text=$(<"$TEMPLATE")
  text=${text//"@FANOUT_WORKER_PROCESSES@"/"$workers"}
  # One allow line per admin CIDR (the template has one per location).
  local admin=${FANOUT_LB_ADMIN_CIDRS:-127.0.0.1} cidr line out=""
  read -r -a cidrs <<< "${admin//,/ }"
  [ ${#cidrs[@]} -gt 0 ] || die "FANOUT_LB_ADMIN_CIDRS is empty"
  for cidr in "${cidrs[@]}"; do
    check "$cidr" FANOUT_LB_ADMIN_CIDRS '^[0-9A-Fa-f.:]+(/[0-9]{1,3})?$'
  done
  while IFS= read -r line; do
    if [[ $line == *"@FANOUT_LB_ADMIN_CIDRS@"* ]]; then
      for cidr in "${cidrs[@]}"; do
        out+=${line//"@FANOUT_LB_ADMIN_CIDRS@"/"$cidr"}$'\n'
      done
    else
      out+=$line$'\n'
    fi
  done <<< "$text"
  text=${out%$'\n'}
  [[ $text != *@FANOUT_* ]] || die "$TEMPLATE has a placeholder this script does not know"
  printf '%s\n' "$text" > "$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
}

run() {
  local store=${FANOUT_CLUSTERDB_HOST:-}
  local period=${FANOUT_CLUSTER_UPDATE_PERIOD_MS:-5000}
  local factor=${FANOUT_CLUSTER_DEAD_FACTOR:-4}
  [ -n "$store" ] || die "FANOUT_CLUSTERDB_HOST (the cluster store URI) is not set"
  check "$period" FANOUT_CLUSTER_UPDATE_PERIOD_MS '^[0-9]+$'
  check "$factor" FANOUT_CLUSTER_DEAD_FACTOR '^[0-9]+$'
  # Every process of ours shares the cluster's liveness rule (run.sh).
  store=$(with_option "$store" update_period_ms "$period")
  store=$(with_option "$store" dead_factor "$factor")

  # A mounted certificate is kept; otherwise a self-signed one (once).
  read -r -a names <<< "${FANOUT_TLS_NAMES:-localhost}"
  fanout-gen-cert "$TLS" "${names[@]}"

  # nginx needs the upstream files before it starts: sync once, retrying
  # while the store is not reachable yet.
  mkdir -p "$UPSTREAMS"
  local tries=0
  until fanout-lb-sync --store "$store" --dir "$UPSTREAMS" --once \
        && [ -s "$UPSTREAMS/upstreams-http.conf" ] \
        && [ -s "$UPSTREAMS/upstreams-stream.conf" ]; do
    tries=$((tries + 1))
    [ $tries -lt 30 ] || die "no upstreams from the store after $tries tries"
    sleep 2
  done
  nginx -t -q -c "$CONF"

  nginx -c "$CONF" -g "daemon off;" &
  local nginx_pid=$!
  fanout-lb-sync --store "$store" --dir "$UPSTREAMS" --period-ms "$period" \
    --test-cmd "nginx -t -q -c $CONF" --reload-cmd "nginx -s reload -c $CONF" &
  local sync_pid=$!

  # Either one ending ends the container (the restart policy restarts it);
  # on TERM/INT nginx finishes its requests (QUIT) and the sync stops.
  trap 'kill -QUIT "$nginx_pid" 2>/dev/null; kill -TERM "$sync_pid" 2>/dev/null' TERM INT
  local rc=0
  wait -n "$nginx_pid" "$sync_pid" || rc=$?
  kill -QUIT "$nginx_pid" 2>/dev/null || true
  kill -TERM "$sync_pid" 2>/dev/null || true
  wait "$nginx_pid" "$sync_pid" 2>/dev/null || true
  exit "$rc"
}

case ${1:-} in
  render) render ;;
  "") render; run ;;
  *) render; exec "$@" ;;
esac
