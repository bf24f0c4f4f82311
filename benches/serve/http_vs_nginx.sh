#!/usr/bin/env bash
# padlock serve vs nginx 1.22 requests/s (issue 15): one core each via taskset (server on
# SERVER_CORE, load tool on CLIENT_CORE), ECDSA P-256 certificate, TLS 1.3, a 1 KiB file,
# one worker each, access logs off; the two servers measured alternately, RUNS times.
#   h2:    h2load, CONNS connections x STREAMS concurrent streams, keep-alive (target:
#          padlock >= 1.2x nginx)
#   h1:    wrk, CONNS keep-alive connections
#   new:   wrk with "Connection: close": a new TLS connection per request
# Prints requests/s and the server's CPU per request (µs, from /proc/PID/stat), then the
# medians and padlock/nginx ratios.
# Usage: benches/serve/http_vs_nginx.sh [RUNS=5] [SECS=5] [which: "h2 h1 new"]
source "$(dirname "$0")/common.sh"
RUNS=${1:-5}
SECS=${2:-5}
WHICH=${3:-h2 h1 new}
CONNS=${CONNS:-50}
STREAMS=${STREAMS:-10}
raise_nofile
setup
URL="https://localhost:$PORT/1k.bin"
TICK_US=$((1000000 / $(getconf CLK_TCK)))

# run_load KIND: runs the load tool; prints "REQUESTS_PER_SECOND REQUESTS".
run_load() {
    case $1 in
    h2)
        taskset -c "$CLIENT_CORE" h2load -c "$CONNS" -m "$STREAMS" -t 1 -D "$SECS" \
            --warm-up-time 1 "$URL" > "$WORK/logs/load.out" 2>&1
        awk '/^finished in/ {gsub(",", ""); rps=$4} /^requests:/ {ok=$8} END {print rps, ok}' \
            "$WORK/logs/load.out"
        ;;
    h1 | new)
        local extra=()
        [ "$1" = new ] && extra=(-H "Connection: close")
        taskset -c "$CLIENT_CORE" wrk -t 1 -c "$CONNS" -d "${SECS}s" "${extra[@]}" "$URL" \
            > "$WORK/logs/load.out" 2>&1
        awk '/^Requests\/sec:/ {rps=$2} /requests in/ {n=$1} END {print rps, n}' \
            "$WORK/logs/load.out"
        ;;
    esac
}

# bench SERVER KIND: starts the server, one warm-up pass, one measured pass; prints
# "RPS US_PER_REQUEST".
bench() {
    if [ "$1" = padlock ]; then start_padlock -q; else start_nginx; fi
    SECS_SAVED=$SECS; SECS=1; run_load "$2" > /dev/null; SECS=$SECS_SAVED
    local t0 t1 out
    t0=$(server_cpu_ticks)
    out=$(run_load "$2")
    t1=$(server_cpu_ticks)
    stop_server
    set -- $out
    # Any failed request (h2load) or socket error / non-2xx answer (wrk) is shown.
    grep -E " [1-9][0-9]* (failed|errored|timeout)|Socket errors|Non-2xx" "$WORK/logs/load.out" >&2 || true
    awk -v rps="$1" -v n="$2" -v t="$((t1 - t0))" -v tick="$TICK_US" \
        'BEGIN {printf "%.0f %.2f\n", rps, (n > 0 ? t * tick / n : 0)}'
}

for kind in $WHICH; do
    PR=() NR=() PC=() NC=()
    for run in $(seq 1 "$RUNS"); do
        set -- $(bench padlock "$kind"); PR+=("$1"); PC+=("$2")
        set -- $(bench nginx "$kind"); NR+=("$1"); NC+=("$2")
        echo "$kind run $run: padlock ${PR[-1]} req/s (${PC[-1]} µs CPU/req), nginx ${NR[-1]} req/s (${NC[-1]} µs CPU/req)"
    done
    p=$(printf '%s\n' "${PR[@]}" | median); n=$(printf '%s\n' "${NR[@]}" | median)
    pc=$(printf '%s\n' "${PC[@]}" | median); nc=$(printf '%s\n' "${NC[@]}" | median)
    echo "$kind median: padlock $p req/s, nginx $n req/s, padlock/nginx $(awk -v a="$p" -v b="$n" 'BEGIN {printf "%.2f", a / b}'); CPU/req padlock $pc µs, nginx $nc µs"
done
