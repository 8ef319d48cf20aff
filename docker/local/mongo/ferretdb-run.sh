#!/bin/sh
# Takes the mongod flags a compose file gives the mongo image (--bind_ip, --bind_ip_all, --port)
# and starts FerretDB listening there; other mongod flags have no FerretDB meaning and are ignored.
set -eu
host="${FERRETDB_LISTEN_ADDR%:*}"
port="${FERRETDB_LISTEN_ADDR##*:}"
while [ $# -gt 0 ]; do
  case "$1" in
    --bind_ip) host="${2%%,*}"; shift ;;
    --bind_ip_all) host=0.0.0.0 ;;
    --port) port="$2"; shift ;;
  esac
  shift
done
export FERRETDB_LISTEN_ADDR="$host:$port"
exec ferretdb
