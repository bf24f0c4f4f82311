#!/usr/bin/env bash
# Instructions per HTTP/2 request of `padlock serve` (issue 15), from callgrind: the server
# runs under valgrind (one worker), h2load (CONNS connections x STREAMS streams, a 1 KiB
# file) sends a warm-up, then FEW and then MANY requests on new connections, each run
# between a zeroing and a dump of the counters. The difference of the two dumps divided by
# MANY - FEW is what one more request costs, handshakes and one-time set-up cancelled out;
# the per-function table (callgrind_annotate, exclusive) is printed the same way.
# Usage: benches/serve/h2_callgrind.sh [FEW=5000] [MANY=25000]   (OUT: where the profiles go;
# SERVER=nginx: nginx 1.22 instead, as http_vs_nginx.sh runs it)
source "$(dirname "$0")/common.sh"
FEW=${1:-5000}
MANY=${2:-25000}
CONNS=${CONNS:-50}
STREAMS=${STREAMS:-10}
OUT=${OUT:-/tmp/padlock-h2-callgrind}
SERVER=${SERVER:-padlock}
mkdir -p "$OUT"
# ANALYSE_ONLY=1: only the tables, from the dumps already in OUT.
if [ -z "${ANALYSE_ONLY:-}" ]; then
    rm -f "$OUT"/cg.out*
    setup
    URL="https://localhost:$PORT/1k.bin"

    LAUNCH="valgrind --tool=callgrind --callgrind-out-file=$OUT/cg.out"
    if [ "$SERVER" = nginx ]; then start_nginx; else start_padlock -q; fi

    # load N: h2load with N requests; fails on any failed request.
    load() {
        h2load -c "$CONNS" -m "$STREAMS" -t 1 -n "$1" "$URL" > "$WORK/logs/load.out" 2>&1
        grep -q "$1 succeeded" "$WORK/logs/load.out" || { cat "$WORK/logs/load.out" >&2; exit 1; }
    }

    load 2000
    callgrind_control -z "$SERVER_PID" >/dev/null
    load "$FEW"
    callgrind_control -d few "$SERVER_PID" >/dev/null
    callgrind_control -z "$SERVER_PID" >/dev/null
    load "$MANY"
    callgrind_control -d many "$SERVER_PID" >/dev/null
    stop_server
fi

# The dumps are cg.out.1, cg.out.2, …; each names its trigger.
dump() { grep -l "^desc: Trigger: .*dump $1\$" "$OUT"/cg.out.*; }
few_ir=$(awk '/^summary:/ {print $2}' "$(dump few)")
many_ir=$(awk '/^summary:/ {print $2}' "$(dump many)")
echo "instructions: $FEW requests $few_ir, $MANY requests $many_ir"
awk -v a="$few_ir" -v b="$many_ir" -v n=$((MANY - FEW)) \
    'BEGIN {printf "per request: %.0f instructions\n", (b - a) / n}'

# annotate DUMP INCLUSIVE: instructions per function in one dump.
annotate() {
    callgrind_annotate --auto=no --inclusive="$2" --threshold=100 "$(dump "$1")" 2>/dev/null |
        awk '/^ *[0-9,]+ / { gsub(",", "", $1); n = $1; $1 = ""; sub(/^ *\([ 0-9.]+%\) */, "")
                             s[$0] += n }
             END { for (k in s) print s[k] "\t" k }'
}
# per_request KIND: the functions' instructions per request, KIND exclusive or inclusive,
# with the registry and toolchain paths shortened.
per_request() {
    annotate few "$1" > "$OUT/few-$1.tsv"
    annotate many "$1" > "$OUT/many-$1.tsv"
    awk -F'\t' -v n=$((MANY - FEW)) 'NR == FNR {a[$2] = $1; next}
        {d = ($1 - a[$2]) / n; if (d > 20) printf "%8.0f %s\n", d, $2}' \
        "$OUT/few-$1.tsv" "$OUT/many-$1.tsv" | sort -rn |
        sed -E 's|/root/.cargo/registry/src/[^/]*/||; s|/rustc/[0-9a-f]*/library/||; s| \[[^]]*/padlock\]||'
}
per_request no > "$OUT/exclusive.txt"
per_request yes > "$OUT/inclusive.txt"
echo "top functions, instructions per request (exclusive; inclusive in $OUT/inclusive.txt):"
head -"${TOP:-40}" "$OUT/exclusive.txt"
