#!/usr/bin/env bash
# Image build step: renders a shipped nginx configuration into the template
# an image carries, with scripts/render_conf.py (what `make run` and the
# integration tests use), so the containers run that very file with its
# "site:" lines replaced.  The entrypoints fill the @FANOUT_*@ placeholders
# from the environment when a container starts.
#
#   docker/render-conf.sh edge|lb ROOT OUT
set -euo pipefail
kind=${1:?usage: render-conf.sh edge|lb ROOT OUT}
root=${2:?usage: render-conf.sh edge|lb ROOT OUT}
out=${3:?usage: render-conf.sh edge|lb ROOT OUT}
render=("${PYTHON:-python3}" "$root/scripts/render_conf.py")
mkdir -p "$(dirname "$out")"

case $kind in
  edge)
    "${render[@]}" "$root/nginx-module/conf/edge.conf" "$out" \
      --set "worker_processes=@FANOUT_WORKER_PROCESSES@" \
      --set "error_log=stderr notice" \
      --set "access_log=/dev/stdout fanout" \
      --set "listen=5080" \
      --set 'fanout_store="@FANOUT_STORE@"' \
      --set "fanout_node_id=@FANOUT_NODE_ID@" \
      --set "fanout_node_address=@FANOUT_NODE_ADDRESS@" \
      --set "fanout_node_group=@FANOUT_NODE_GROUP@" \
      --set "fanout_update_period=@FANOUT_UPDATE_PERIOD@" \
      --set "fanout_origin_nodes=@FANOUT_ORIGIN_NODES@" \
      --set "fanout_apps=@FANOUT_APPS@"
    # Origins may be recorded by host name (and fanout_origin_nodes names
    # them): proxy_pass with a variable then needs a resolver.  edge.conf
    # carries the line commented out; enable it.
    sed -i 's|^\([ \t]*\)# *resolver [^;]*;[ \t]*$|\1resolver @FANOUT_RESOLVER@;|' "$out"
    placeholders=(WORKER_PROCESSES STORE NODE_ID NODE_ADDRESS NODE_GROUP
                  UPDATE_PERIOD ORIGIN_NODES APPS RESOLVER)
    # Viewers reach the edges only through the load balancer: when edge.conf
    # has the (commented) real-IP lines, trust the LB's X-Forwarded-For.
    if grep -Eq '^[[:space:]]*# *set_real_ip_from ' "$out"; then
      sed -i -e 's|^\([ \t]*\)# *set_real_ip_from [^;]*;[ \t]*$|\1set_real_ip_from @FANOUT_REAL_IP_FROM@;|' \
             -e 's|^\([ \t]*\)# *\(real_ip_header [^;]*;\)[ \t]*$|\1\2|' "$out"
      placeholders+=(REAL_IP_FROM)
    fi
    ;;
  lb)
    "${render[@]}" "$root/lb-config/lb.conf" "$out" \
      --set "worker_processes=@FANOUT_WORKER_PROCESSES@" \
      --set "error_log=stderr notice" \
      --sub "/var/log/nginx/lb-access.log=/dev/stdout" \
      --sub "/var/log/nginx/lb-rtmp.log=/dev/stdout" \
      --tag "HTTP=5080" --tag "HTTPS=5443 ssl http2" \
      --tag "RTMP=1935" --tag "RTMPS=8443 ssl" \
      --each "admin=@FANOUT_LB_ADMIN_CIDRS@"
    placeholders=(WORKER_PROCESSES LB_ADMIN_CIDRS)
    ;;
  *)
    echo "render-conf: unknown kind '$kind' (edge or lb)" >&2
    exit 2
    ;;
esac

# The shipped file and the image must not drift apart.
for p in "${placeholders[@]}"; do
  grep -q "@FANOUT_${p}@" "$out" || {
    echo "render-conf: $out lacks @FANOUT_${p}@ (did the shipped config change?)" >&2
    exit 1
  }
done
