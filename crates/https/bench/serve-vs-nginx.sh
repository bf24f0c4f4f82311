#!/usr/bin/env bash
# padlock serve vs nginx, same machine, same run, same 1 KiB file, same certificate (the
# local CA's ECDSA P-256 localhost leaf), TLS 1.3 only on both. Measured numbers: README.md here.
#
#   keep-alive:      wrk, HTTP/1.1 keep-alive, requests/s
#   new connection:  wrk with "Connection: close", so every request is a fresh TCP + TLS
#                    handshake: handshakes/s
#
# Like for like: nginx runs WORKERS worker processes and padlock WORKERS runtime worker
# threads (default 2, this machine's core count); both have their access log off (padlock
# --quiet, nginx access_log off). wrk runs 2 threads, as the client shares the same cores.
# Each measurement is the median of RUNS runs (default 3), interleaved padlock/nginx.
#
# Prints each number and the ratio padlock/nginx (target: >= 1.0 for both), and for keep-alive
# also each server's CPU time (user + system, from /proc) per request: on a shared machine
# requests/s swing with the load, CPU per request much less.
# Usage: crates/https/bench/serve-vs-nginx.sh [seconds-per-run] [connections]
# Environment: WORKERS (default 2), RUNS (default 3), PADLOCK_BIN (skip the build, use this).
# Only 127.0.0.1 is used; every process started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/../../.."

DURATION=${1:-5}
CONNS=${2:-50}
WORKERS=${WORKERS:-2}
RUNS=${RUNS:-3}
for tool in wrk nginx; do
    command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || { echo "needs $tool" >&2; exit 1; }
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

if [ -n "${PADLOCK_BIN:-}" ]; then
    PADLOCK=$PADLOCK_BIN
else
    cargo build --release -q -p padlock-cli
    PADLOCK=${CARGO_TARGET_DIR:-target}/release/padlock
fi

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 1 200); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "nothing listened on $1" >&2; exit 1
}

mkdir -p "$work/www" "$work/home" "$work/nginx/logs" "$work/nginx/tmp"
head -c 1024 /dev/urandom > "$work/www/1k.bin"

pl_port=$(free_port)
PADLOCK_HOME="$work/home" "$PADLOCK" serve --quiet --workers "$WORKERS" --dir "$work/www" --listen "127.0.0.1:$pl_port" >/dev/null 2>"$work/padlock.log" &
pids+=($!)
pl_pid=$!
wait_port "$pl_port"

ng_port=$(free_port)
cat > "$work/nginx/nginx.conf" <<CONF
worker_processes $WORKERS;
error_log $work/nginx/logs/error.log;
pid $work/nginx/nginx.pid;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $work/nginx/tmp/body; proxy_temp_path $work/nginx/tmp/proxy;
    fastcgi_temp_path $work/nginx/tmp/fcgi; uwsgi_temp_path $work/nginx/tmp/uwsgi; scgi_temp_path $work/nginx/tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$ng_port ssl http2;
        ssl_certificate $work/home/ca/localhost.chain.pem;
        ssl_certificate_key $work/home/ca/localhost.key.pem;
        ssl_protocols TLSv1.3;
        ssl_session_tickets off;
        ssl_session_cache off;
        root $work/www;
    }
}
CONF
"$NGINX" -p "$work/nginx" -c nginx.conf -g 'daemon off;' &
pids+=($!)
ng_pid=$!
wait_port "$ng_port"

rps() { # url [extra wrk args...] -> requests/s
    local url=$1; shift
    wrk -t 2 -c "$CONNS" -d "${DURATION}s" --timeout 10s "$@" "$url" | awk '/^Requests\/sec:/ {print $2}'
}

ticks() { # pids... -> their user + system CPU time so far, in clock ticks
    local t=0 p
    for p in "$@"; do
        [ -r "/proc/$p/stat" ] && t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat")))
    done
    echo "$t"
}

HZ=$(getconf CLK_TCK)
ka_run() { # url pid-of-server -> "requests/s cpu-us-per-request" (server = the pid and its children)
    local url=$1 pid=$2 before after out
    local all=("$pid" $(pgrep -P "$pid" || true))
    before=$(ticks "${all[@]}")
    out=$(wrk -t 2 -c "$CONNS" -d "${DURATION}s" --timeout 10s "$url")
    after=$(ticks "${all[@]}")
    echo "$out" | awk -v t=$((after - before)) -v hz="$HZ" '
        /requests in/ {n = $1}
        /^Requests\/sec:/ {r = $2}
        END {printf "%s %.1f\n", r, (n > 0 ? t * 1e6 / hz / n : 0)}'
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

echo "padlock serve vs nginx — ${DURATION}s per run, median of $RUNS, $CONNS connections, $WORKERS workers each, 1 KiB file, ECDSA P-256, TLS 1.3"
pl_kas=() ng_kas=() pl_hss=() ng_hss=() pl_cpus=() ng_cpus=()
for _ in $(seq 1 "$RUNS"); do
    read -r r c < <(ka_run "https://localhost:$pl_port/1k.bin" "$pl_pid")
    pl_kas+=("$r"); pl_cpus+=("$c")
    read -r r c < <(ka_run "https://localhost:$ng_port/1k.bin" "$ng_pid")
    ng_kas+=("$r"); ng_cpus+=("$c")
done
for _ in $(seq 1 "$RUNS"); do
    pl_hss+=("$(rps "https://localhost:$pl_port/1k.bin" -H "Connection: close")")
    ng_hss+=("$(rps "https://localhost:$ng_port/1k.bin" -H "Connection: close")")
done
echo "runs (req/s): keep-alive padlock ${pl_kas[*]} | nginx ${ng_kas[*]}"
echo "runs (req/s): new-conn   padlock ${pl_hss[*]} | nginx ${ng_hss[*]}"
echo "runs (server CPU us/request, keep-alive): padlock ${pl_cpus[*]} | nginx ${ng_cpus[*]}"
pl_ka=$(median "${pl_kas[@]}")
ng_ka=$(median "${ng_kas[@]}")
pl_hs=$(median "${pl_hss[@]}")
ng_hs=$(median "${ng_hss[@]}")
pl_cpu=$(median "${pl_cpus[@]}")
ng_cpu=$(median "${ng_cpus[@]}")

awk -v a="$pl_ka" -v b="$ng_ka" -v c="$pl_hs" -v d="$ng_hs" -v e="$pl_cpu" -v f="$ng_cpu" 'BEGIN {
    printf "keep-alive requests/s:     padlock %10.0f   nginx %10.0f   ratio %.2f\n", a, b, (b > 0 ? a / b : 0)
    printf "new-connection handshakes/s: padlock %8.0f   nginx %10.0f   ratio %.2f\n", c, d, (d > 0 ? c / d : 0)
    printf "keep-alive server CPU us/request: padlock %.1f   nginx %.1f   (nginx/padlock %.2f)\n", e, f, (e > 0 ? f / e : 0)
}'
