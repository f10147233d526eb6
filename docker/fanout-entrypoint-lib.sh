#!/usr/bin/env bash
# Sourced by docker/edge-entrypoint.sh and docker/lb-entrypoint.sh; the
# images keep it beside them in /usr/local/bin.  ENTRYPOINT_NAME names the
# caller in messages.

log() { echo "$ENTRYPOINT_NAME: $*" >&2; }
die() { log "$*"; exit 1; }

# VALUE NAME REGEX: stops on anything that could break out of the directive.
check() { [[ $1 =~ $3 ]] || die "$2='$1' is not valid"; }

# Appends OPTION=VALUE to a store URI unless the URI already sets it.
with_option() {
  local uri=$1 name=$2 value=$3
  [[ $uri == *[?\&]"$name="* ]] && { printf '%s' "$uri"; return; }
  [[ $uri == *\?* ]] && printf '%s&%s=%s' "$uri" "$name" "$value" \
                     || printf '%s?%s=%s' "$uri" "$name" "$value"
}
