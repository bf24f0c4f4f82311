#!/usr/bin/env bash
# Memory per idle TLS connection (issue 15): the servers' RSS before and after COUNT idle
# keep-alive TLS 1.3 connections (each did one GET of the 1 KiB file, or with
# LOAD_ARGS=--handshake-only only the handshake), divided by COUNT; padlock serve and nginx,
# median of RUNS, for each COUNT in COUNTS.
# Target: padlock <= 7.4 KiB per connection (nginx measured 14.7).
# Usage: benches/serve/idle_rss.sh [COUNTS=10000,50000] [RUNS=3]
#
# One process may hold no more descriptors than the hard open-file limit (`ulimit -Hn`,
# 20,000 in the dev container, where raising it needs CAP_SYS_RESOURCE), so a COUNT is
# spread over ceil(COUNT / PER_PROCESS) servers and as many load processes (PER_PROCESS
# 15,000 by default, below the limit with room for the kernel's uneven spread): padlock
# serve processes sharing the port with --reuse-port, one worker each, against nginx with
# as many worker processes (`reuseport`, a socket each; and its master). The cost per
# connection is the sum over a server's processes of (RSS after - RSS before) / COUNT;
# the proportional set size (PSS: pages shared between processes, nginx's master and
# workers, counted once) is printed beside it. SERVERS=N forces N processes per server.
# The connections come from 127.0.0.2-127.0.0.17 (28,232 ephemeral ports each). Both
# servers keep an idle connection for IDLE_TIMEOUT (600 s, instead of 60: opening 50,000
# takes over a minute on a busy machine), and the script checks that all COUNT are still
# established when it reads the RSS.
source "$(dirname "$0")/common.sh"
COUNTS=${1:-10000,50000}
RUNS=${2:-3}
PER_PROCESS=${PER_PROCESS:-15000}
export IDLE_TIMEOUT=${IDLE_TIMEOUT:-600}
SOURCES=$(seq -s, -f '127.0.0.%g' 2 17)
raise_nofile
if [ "$PER_PROCESS" -gt $(( $(ulimit -Hn) - 500 )) ]; then
    echo "PER_PROCESS $PER_PROCESS needs more than the hard open-file limit $(ulimit -Hn) allows" >&2
    exit 1
fi
setup
LOAD_PIDS=()
slab_kib() {
    awk '/^Slab:/ {print $2}' /proc/meminfo
}
stop_load() {
    local pid
    for pid in "${LOAD_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${LOAD_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    LOAD_PIDS=()
}
trap 'exec 4>&- 2>/dev/null; stop_load; cleanup' EXIT

# measure NAME COUNT LOADS: sets RSS_PER and PSS_PER, KiB per connection for the server
# started last, COUNT connections opened by LOADS load processes.
measure() {
    local name=$1 count=$2 loads=$3 before before_pss after after_pss i share held
    local fifo="$WORK/hold.$name" logs="$WORK/logs/load.$name" each slab
    sleep 0.5
    before=$(rss_kib) before_pss=$(pss_kib) each=$(rss_each_kib) slab=$(slab_kib)
    rm -f "$logs".*
    mkfifo "$fifo"
    for i in $(seq 1 "$loads"); do
        share=$(( count / loads + (i <= count % loads ? 1 : 0) ))
        taskset -c "$CLIENT_CORE" "$LOAD" --port "$PORT" --ca "$WORK/ca.pem" --path /1k.bin \
            --sources "$SOURCES" --idle-tls "$share" --probes 0 --settle-ms 0 --hold \
            ${LOAD_ARGS:-} < "$fifo" > "$logs.$i" 2>&1 &
        LOAD_PIDS+=($!)
    done
    exec 4>"$fifo"
    # Bounded: 50,000 handshakes take about a minute on a shared core; give up after 10.
    for _ in $(seq 1 1200); do
        held=$(cat "$logs".* | grep -c HOLDING || true)
        [ "$held" -eq "$loads" ] && break
        for i in "${LOAD_PIDS[@]}"; do kill -0 "$i" 2>/dev/null || break 2; done
        sleep 0.5
    done
    sleep 2
    after=$(rss_kib) after_pss=$(pss_kib)
    local established
    established=$(ss -Htn state established "sport = :$PORT" | wc -l)
    [ "$established" -eq "$count" ] ||
        echo "  $name: $established of $count connections established when measured (a timeout closed some?)"
    echo "  $name, $count: RSS growth per process (KiB):" $(awk -v a="$(rss_each_kib)" -v b="$each" \
        'BEGIN {n = split(a, x); split(b, y); for (i = 1; i <= n; i++) printf "%d ", x[i] - y[i]}')
    echo "  $name, $count: kernel $(awk '/^TCP:/' /proc/net/sockstat) (mem in pages), slab" \
        "$(awk -v a="$(slab_kib)" -v b="$slab" -v n="$count" 'BEGIN {printf "%+.1f", (a - b) / n}')" \
        "KiB per connection (both ends; the machine's, other work included)"
    exec 4>&-
    for i in "${LOAD_PIDS[@]}"; do wait "$i" || true; done
    LOAD_PIDS=()
    rm -f "$fifo"
    local opened
    opened=$(cat "$logs".* | awk '/idle TLS keep-alive open/ {open += $7; failed += substr($12, 2)}
        END {print open + 0, failed + 0}')
    [ "$opened" = "$count 0" ] ||
        { echo "  $name: not all $count connections opened (open, failed: $opened):";
          cat "$logs".*; }
    RSS_PER=$(awk -v b="$before" -v a="$after" -v n="$count" 'BEGIN {printf "%.2f", (a - b) / n}')
    PSS_PER=$(awk -v b="$before_pss" -v a="$after_pss" -v n="$count" \
        'BEGIN {printf "%.2f", (a - b) / n}')
}

SUMMARY=()
for count in ${COUNTS//,/ }; do
    procs=${SERVERS:-$(( (count + PER_PROCESS - 1) / PER_PROCESS ))}
    P=() N=() PP=() NP=()
    for run in $(seq 1 "$RUNS"); do
        start_padlocks "$procs" -q --idle-timeout "$IDLE_TIMEOUT"
        measure padlock "$count" "$procs"
        P+=("$RSS_PER") PP+=("$PSS_PER")
        stop_server
        NGINX_WORKERS=$procs start_nginx
        measure nginx "$count" "$procs"
        N+=("$RSS_PER") NP+=("$PSS_PER")
        stop_server
        echo "$count idle TLS connections, $procs server process(es), run $run:" \
            "padlock ${P[-1]} KiB/conn (PSS ${PP[-1]}), nginx ${N[-1]} KiB/conn (PSS ${NP[-1]})"
    done
    SUMMARY+=("$count connections, $procs process(es): padlock $(printf '%s\n' "${P[@]}" | median) KiB/conn (PSS $(printf '%s\n' "${PP[@]}" | median)), nginx $(printf '%s\n' "${N[@]}" | median) KiB/conn (PSS $(printf '%s\n' "${NP[@]}" | median))")
done
echo "median of $RUNS run(s)${LOAD_ARGS:+ with $LOAD_ARGS}:"
printf '  %s\n' "${SUMMARY[@]}"
