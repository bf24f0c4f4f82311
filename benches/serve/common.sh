# Shared set-up for the `padlock serve` benchmarks (sourced, not run): an ECDSA P-256 CA
# and localhost leaf made with openssl, a folder with a 1 KiB file, and start/stop helpers
# for padlock serve and nginx pinned to one core each. Loopback only.
#
# Environment: PADLOCK (default target/release/padlock), LOAD (the load tool, default
# target/release/padlock-serve-load), SERVER_CORE (0) and CLIENT_CORE (1), PORT (18443),
# LAUNCH (a command the servers run under, e.g. valgrind; default none).

set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PADLOCK=${PADLOCK:-$REPO/target/release/padlock}
LOAD=${LOAD:-$REPO/target/release/padlock-serve-load}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
PORT=${PORT:-18443}
WORK=$(mktemp -d /tmp/padlock-serve-bench.XXXXXX)
SERVER_PID=

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# raise_nofile: open files up to the hard limit (and beyond it where this shell may raise
# the hard limit too: root with CAP_SYS_RESOURCE).
raise_nofile() {
    ulimit -Hn "${NOFILE:-200000}" 2>/dev/null || true
    ulimit -Sn "$(ulimit -Hn)"
}

# Certificates and the web folder.
setup() {
    for tool in openssl nginx h2load wrk taskset; do
        command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
    done
    [ -x "$PADLOCK" ] || (cd "$REPO" && cargo build --release -p padlock-cli)
    [ -x "$LOAD" ] || (cd "$REPO" && cargo build --release -p padlock-benches --bin padlock-serve-load)
    cd "$WORK"
    openssl ecparam -name prime256v1 -genkey -noout -out ca.key 2>/dev/null
    openssl req -x509 -new -key ca.key -subj "/CN=padlock bench CA" -days 2 -out ca.pem \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
    openssl ecparam -name prime256v1 -genkey -noout -out leaf.ec.key 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in leaf.ec.key -out leaf.key
    openssl req -new -key leaf.key -subj "/CN=localhost" -out leaf.csr 2>/dev/null
    printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' > leaf.ext
    openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
        -extfile leaf.ext -out leaf.pem 2>/dev/null
    cat leaf.pem ca.pem > chain.pem
    mkdir -p www logs
    head -c 1024 /dev/urandom > www/1k.bin
    cd - >/dev/null
}

wait_listening() {
    for _ in $(seq 1 100); do
        if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "nothing listens on $PORT" >&2
    exit 1
}

# start_padlock [ARGS...]: padlock serve on SERVER_CORE, one worker.
start_padlock() {
    taskset -c "$SERVER_CORE" ${LAUNCH:-} "$PADLOCK" serve --dir "$WORK/www" --cert "$WORK/chain.pem" \
        --key "$WORK/leaf.key" --listen "127.0.0.1:$PORT" --workers 1 "$@" \
        >/dev/null 2>"$WORK/logs/padlock.err" &
    SERVER_PID=$!
    wait_listening
}

# start_nginx [EXTRA_HTTP_CONF]: nginx 1.22 with one worker on SERVER_CORE (no master).
start_nginx() {
    cat > "$WORK/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 200000;
error_log $WORK/logs/nginx.err crit;
pid $WORK/nginx.pid;
events { worker_connections 100000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
    uwsgi_temp_path $WORK; scgi_temp_path $WORK;
    ${1:-}
    server {
        listen 127.0.0.1:$PORT ssl http2;
        ssl_certificate $WORK/chain.pem;
        ssl_certificate_key $WORK/leaf.key;
        ssl_protocols TLSv1.3;
        root $WORK/www;
    }
}
CONF
    taskset -c "$SERVER_CORE" ${LAUNCH:-} nginx -c "$WORK/nginx.conf" -e "$WORK/logs/nginx.err" &
    SERVER_PID=$!
    wait_listening
}

stop_server() {
    if [ -n "${SERVER_PID:-}" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}

# server_cpu_ticks: user+system clock ticks the server has used so far.
server_cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

# rss_kib: the server's resident set, KiB.
rss_kib() {
    awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status"
}

# median of the numbers on stdin.
median() {
    sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
