#!/usr/bin/env bash
# The Fanout edge container: renders /etc/fanout/edge.conf from the image's
# template (nginx-module/conf/edge.conf, rendered at build time) and the
# environment, then runs nginx in the foreground.
#
#   FANOUT_CLUSTERDB_HOST            the cluster store URI (required), e.g.
#                                    mongodb://mongo:27017/fanout?replicaSet=rs0
#   FANOUT_CLUSTER_UPDATE_PERIOD_MS  heartbeat period (5000), as the origins
#   FANOUT_CLUSTER_DEAD_FACTOR       periods before a node is dead (4)
#   FANOUT_NODE_ID                   node id in the store (edge-<hostname>)
#   FANOUT_NODE_ADDRESS              address:port others reach it at
#                                    (default: first non-loopback IPv4:5080)
#   FANOUT_NODEGROUP                 node group (default)
#   FANOUT_ORIGIN_NODES              fallback origins, "host:port ..." (none)
#   FANOUT_APPS                      applications, comma-separated (LiveApp)
#   FANOUT_RESOLVER                  nginx resolver arguments
#                                    (127.0.0.11 valid=10s ipv6=off: Docker's DNS)
#   FANOUT_REAL_IP_FROM              addresses whose X-Forwarded-For gives
#                                    the viewer's address (the load balancer;
#                                    default the private ranges), when
#                                    edge.conf has the real-IP lines
#   FANOUT_WORKER_PROCESSES          nginx worker_processes (auto)
#
#   fanout-edge-entrypoint           render, then exec nginx
#   fanout-edge-entrypoint render    render only (FANOUT_EDGE_TEMPLATE,
#                                    FANOUT_EDGE_CONF choose the paths)
#   fanout-edge-entrypoint CMD...    render, then exec CMD
set -euo pipefail
shopt -u patsub_replacement 2>/dev/null || true   # '&' in values is literal

TEMPLATE=${FANOUT_EDGE_TEMPLATE:-/etc/fanout/edge.conf.in}
CONF=${FANOUT_EDGE_CONF:-/etc/fanout/edge.conf}
HTTP_PORT=5080   # the template's listen port

ENTRYPOINT_NAME=edge-entrypoint
# log, die, check, with_option
. "$(dirname "$0")/fanout-entrypoint-lib.sh"

first_ipv4() {
  ip -4 -o addr show scope global 2>/dev/null | awk '{split($4, a, "/"); print a[1]; exit}'
}

render() {
  local store=${FANOUT_CLUSTERDB_HOST:-}
  local period=${FANOUT_CLUSTER_UPDATE_PERIOD_MS:-5000}
  local factor=${FANOUT_CLUSTER_DEAD_FACTOR:-4}
  local id=${FANOUT_NODE_ID:-edge-$(hostname)}
  local address=${FANOUT_NODE_ADDRESS:-}
  local group=${FANOUT_NODEGROUP:-default}
  local origins=${FANOUT_ORIGIN_NODES:-}
  local apps=${FANOUT_APPS:-LiveApp}
  local resolver=${FANOUT_RESOLVER:-127.0.0.11 valid=10s ipv6=off}
  local workers=${FANOUT_WORKER_PROCESSES:-auto}
  local real_ip=${FANOUT_REAL_IP_FROM-10.0.0.0/8 172.16.0.0/12 192.168.0.0/16}

  [ -n "$store" ] || die "FANOUT_CLUSTERDB_HOST (the cluster store URI) is not set"
  check "$store" FANOUT_CLUSTERDB_HOST '^[a-z+]+://[^[:space:]\"\\;{}]+$'
  check "$period" FANOUT_CLUSTER_UPDATE_PERIOD_MS '^[0-9]+$'
  check "$factor" FANOUT_CLUSTER_DEAD_FACTOR '^[0-9]+$'
  check "$id" FANOUT_NODE_ID '^[A-Za-z0-9_.-]{1,63}$'
  check "$group" FANOUT_NODEGROUP '^[A-Za-z0-9_.-]{1,63}$'
  check "$workers" FANOUT_WORKER_PROCESSES '^(auto|[0-9]+)$'
  check "$resolver" FANOUT_RESOLVER '^[][A-Za-z0-9_.:=[:space:]-]+$'
  apps=${apps//,/ }
  check "$apps" FANOUT_APPS '^[A-Za-z0-9_. -]*[A-Za-z0-9_.-][A-Za-z0-9_. -]*$'
  if [ -z "$address" ]; then
    address=$(first_ipv4)
    [ -n "$address" ] || die "no IPv4 address found; set FANOUT_NODE_ADDRESS"
    address=$address:$HTTP_PORT
  fi
  check "$address" FANOUT_NODE_ADDRESS '^[][A-Za-z0-9_.:-]+$'
  [ -z "$origins" ] || check "$origins" FANOUT_ORIGIN_NODES '^[][A-Za-z0-9_.: -]+$'
  [ -z "$real_ip" ] || check "$real_ip" FANOUT_REAL_IP_FROM '^[][A-Za-z0-9_.:/ -]+$'

  # Short store timeouts (a lookup waits at most this long before the
  # failure policy answers) and the cluster's liveness rule, as edge.conf
  # and scripts/run.sh set them.
  store=$(with_option "$store" connect_timeout_ms 500)
  store=$(with_option "$store" timeout_ms 1000)
  store=$(with_option "$store" update_period_ms "$period")
  store=$(with_option "$store" dead_factor "$factor")

  [ -r "$TEMPLATE" ] || die "no template at $TEMPLATE"
  local text
  text=$(<"$TEMPLATE")
  if [ -z "$origins" ]; then
    text=${text//"fanout_origin_nodes @FANOUT_ORIGIN_NODES@;"/"# fanout_origin_nodes: none (FANOUT_ORIGIN_NODES is empty)"}
  fi
  local trusted="" a
  for a in $real_ip; do trusted+="${trusted:+ }set_real_ip_from $a;"; done
  text=${text//"set_real_ip_from @FANOUT_REAL_IP_FROM@;"/"${trusted:-# set_real_ip_from: none (FANOUT_REAL_IP_FROM is empty)}"}
  text=${text//"@FANOUT_STORE@"/"$store"}
  text=${text//"@FANOUT_NODE_ID@"/"$id"}
  text=${text//"@FANOUT_NODE_ADDRESS@"/"$address"}
  text=${text//"@FANOUT_NODE_GROUP@"/"$group"}
  text=${text//"@FANOUT_UPDATE_PERIOD@"/"${period}ms"}
  text=${text//"@FANOUT_ORIGIN_NODES@"/"$origins"}
  text=${text//"@FANOUT_APPS@"/"$apps"}
  text=${text//"@FANOUT_RESOLVER@"/"$resolver"}
  text=${text//"@FANOUT_WORKER_PROCESSES@"/"$workers"}
  [[ $text != *@FANOUT_* ]] || die "$TEMPLATE has a placeholder this script does not know"
  printf '%s\n' "$text" > "$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
  echo "edge-entrypoint: $CONF: node $id at $address, store ${store%%\?*}" >&2
}

case ${1:-} in
  render) render ;;
  "") render; exec nginx -c "$CONF" -g "daemon off;" ;;
  *) render; exec "$@" ;;
esac
