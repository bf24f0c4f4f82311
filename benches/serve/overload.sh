#!/usr/bin/env bash
# Overload that must not starve anyone (issue 15): a normal client's fetch of a 1 KiB file
# (new TLS connection + GET), 20 probes, while the server holds
#   1. SILENT (2,000) TCP connections that send nothing and HALF (2,000) that send half a
#      ClientHello (from 127.0.0.2 and 127.0.0.3), with padlock's default budgets;
#   2. its whole connection limit (--max-connections LIMIT, 1,024) in idle keep-alive TLS
#      connections (IDLE = LIMIT + 100 opened).
# Target: every probe under 100 ms. The same floods against nginx for comparison.
# Usage: benches/serve/overload.sh [runs]      (prints the load tool's lines per run)
source "$(dirname "$0")/common.sh"
RUNS=${1:-3}
SILENT=${SILENT:-2000}
HALF=${HALF:-2000}
LIMIT=${LIMIT:-1024}
IDLE=${IDLE:-$((LIMIT + 100))}
raise_nofile
setup
load() {
    taskset -c "$CLIENT_CORE" "$LOAD" --port "$PORT" --ca "$WORK/ca.pem" --path /1k.bin \
        --sources 127.0.0.2,127.0.0.3 "$@"
}
for run in $(seq 1 "$RUNS"); do
    echo "== run $run: padlock, $SILENT silent + $HALF half ClientHello"
    start_padlock -q
    load --silent "$SILENT" --half-hello "$HALF"
    stop_server
    echo "== run $run: padlock --max-connections $LIMIT, $IDLE idle keep-alive"
    start_padlock -q --max-connections "$LIMIT"
    load --idle-tls "$IDLE"
    stop_server
    echo "== run $run: nginx, $SILENT silent + $HALF half ClientHello"
    start_nginx
    load --silent "$SILENT" --half-hello "$HALF"
    stop_server
done
echo "padlock's log (-q) of the last run:"
cat "$WORK/logs/padlock.err"
