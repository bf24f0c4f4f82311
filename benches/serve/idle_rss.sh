#!/usr/bin/env bash
# Memory per idle TLS connection (issue 15): the server's RSS before and after COUNT idle
# keep-alive TLS 1.3 connections (each did one GET of the 1 KiB file), divided by COUNT;
# padlock serve (one worker) and nginx (one worker), median of RUNS.
# Target: padlock <= 7.4 KiB per connection (nginx measured 14.7).
# Usage: benches/serve/idle_rss.sh [COUNT=10000] [RUNS=3]
# COUNT beyond one source address's ports is spread over 127.0.0.2-127.0.0.9. Each side of
# the bench holds COUNT descriptors, so COUNT must stay below the hard open-file limit
# (`ulimit -Hn`; raising it needs CAP_SYS_RESOURCE).
source "$(dirname "$0")/common.sh"
COUNT=${1:-10000}
RUNS=${2:-3}
raise_nofile
if [ "$COUNT" -gt $(( $(ulimit -Hn) - 200 )) ]; then
    echo "COUNT $COUNT needs more than the hard open-file limit $(ulimit -Hn) allows" >&2
    exit 1
fi
setup
SOURCES=127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5,127.0.0.6,127.0.0.7,127.0.0.8,127.0.0.9

# measure NAME: prints KiB per connection for the server started last.
measure() {
    local before after fifo
    sleep 0.5
    before=$(rss_kib)
    fifo="$WORK/hold.$1"
    mkfifo "$fifo"
    taskset -c "$CLIENT_CORE" "$LOAD" --port "$PORT" --ca "$WORK/ca.pem" --path /1k.bin \
        --sources "$SOURCES" --idle-tls "$COUNT" --probes 0 --settle-ms 0 --hold ${LOAD_ARGS:-} \
        < "$fifo" > "$WORK/logs/load.$1" &
    local load=$!
    exec 4>"$fifo"
    for _ in $(seq 1 600); do grep -q HOLDING "$WORK/logs/load.$1" && break; sleep 0.2; done
    sleep 1
    after=$(rss_kib)
    exec 4>&-
    wait "$load"
    rm -f "$fifo"
    grep -q "$COUNT idle TLS keep-alive open (0 failed)" "$WORK/logs/load.$1" ||
        { echo "not all connections opened:" >&2; cat "$WORK/logs/load.$1" >&2; }
    awk -v b="$before" -v a="$after" -v n="$COUNT" 'BEGIN {printf "%.2f\n", (a - b) / n}'
}

P=() N=()
for run in $(seq 1 "$RUNS"); do
    start_padlock -q --max-connections $((COUNT + 100))
    P+=("$(measure padlock)")
    stop_server
    start_nginx
    N+=("$(measure nginx)")
    stop_server
    echo "run $run: padlock ${P[-1]} KiB/conn, nginx ${N[-1]} KiB/conn ($COUNT idle TLS connections)"
done
echo "median: padlock $(printf '%s\n' "${P[@]}" | median) KiB/conn, nginx $(printf '%s\n' "${N[@]}" | median) KiB/conn"
