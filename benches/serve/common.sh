# Shared set-up for the `padlock serve` benchmarks (sourced, not run): an ECDSA P-256 CA
# and localhost leaf made with openssl, a folder with a 1 KiB file, and start/stop helpers
# for padlock serve and nginx pinned to one core each (one process each, or several
# sharing the port with SO_REUSEPORT). Loopback only.
#
# Environment: PADLOCK (default target/release/padlock), LOAD (the load tool, default
# target/release/padlock-serve-load), SERVER_CORE (0) and CLIENT_CORE (1), PORT (default: a
# free one below the ephemeral range), LAUNCH (a command the servers run under, e.g.
# valgrind; default none), IDLE_TIMEOUT (nginx's keep-alive and request-head timeouts, 60 s).

set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PADLOCK=${PADLOCK:-$REPO/target/release/padlock}
LOAD=${LOAD:-$REPO/target/release/padlock-serve-load}
SERVER_CORE=${SERVER_CORE:-0}
CLIENT_CORE=${CLIENT_CORE:-1}
WORK=$(mktemp -d /tmp/padlock-serve-bench.XXXXXX)
# The server started last: SERVER_PIDS are the processes this script started (padlock's,
# or nginx's master), SERVER_PID the first of them, SERVER_CHILDREN nginx's workers.
SERVER_PID=
SERVER_PIDS=()
SERVER_CHILDREN=()

cleanup() {
    stop_server
    rm -rf "$WORK"
}
trap cleanup EXIT

# listeners_on PORT: how many sockets listen on the TCP port.
listeners_on() {
    ss -Hltn "sport = :$1" | wc -l
}

# A port nothing listens on, from 20000-32767 (below the ephemeral range, so an outgoing
# connection cannot take it meanwhile).
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 12768))
        [ "$(listeners_on "$port")" -eq 0 ] && { echo "$port"; return 0; }
    done
    echo "no free port found" >&2
    exit 1
}
PORT=${PORT:-$(free_port)}

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

# wait_listening [N=1]: until N sockets listen on PORT and one accepts (bounded: 10 s).
wait_listening() {
    for _ in $(seq 1 100); do
        if [ "$(listeners_on "$PORT")" -ge "${1:-1}" ] &&
            (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "not ${1:-1} listening on $PORT" >&2
    exit 1
}

# start_padlock [ARGS...]: padlock serve on SERVER_CORE, one worker.
start_padlock() {
    start_padlocks 1 "$@"
}

# start_padlocks N [ARGS...]: N padlock serve processes on SERVER_CORE, one worker each;
# more than one share PORT with --reuse-port, like nginx's worker processes.
start_padlocks() {
    local n=$1 share=()
    shift
    [ "$n" -gt 1 ] && share=(--reuse-port)
    SERVER_PIDS=() SERVER_CHILDREN=()
    : > "$WORK/logs/padlock.err" # the log of this start only, its processes' lines in one file
    for _ in $(seq 1 "$n"); do
        taskset -c "$SERVER_CORE" ${LAUNCH:-} "$PADLOCK" serve --dir "$WORK/www" \
            --cert "$WORK/chain.pem" --key "$WORK/leaf.key" --listen "127.0.0.1:$PORT" \
            --workers 1 "${share[@]}" "$@" >/dev/null 2>>"$WORK/logs/padlock.err" &
        SERVER_PIDS+=($!)
    done
    SERVER_PID=${SERVER_PIDS[0]}
    wait_listening "$n"
}

# start_nginx [EXTRA_HTTP_CONF]: nginx 1.22 with one worker on SERVER_CORE (no master);
# with NGINX_WORKERS=N > 1, a master and N worker processes, each with its own listening
# socket on PORT (`reuseport`), as start_padlocks N runs padlock.
start_nginx() {
    local workers=${NGINX_WORKERS:-1} master=off reuseport= user=
    if [ "$workers" -gt 1 ]; then
        master=on
        reuseport=reuseport
        # Workers of a root master run as nobody, who cannot read this folder.
        [ "$(id -u)" -eq 0 ] && user="user root;"
    fi
    cat > "$WORK/nginx.conf" <<CONF
daemon off;
master_process $master;
worker_processes $workers;
$user
worker_rlimit_nofile $(ulimit -Hn);
error_log $WORK/logs/nginx.err crit;
pid $WORK/nginx.pid;
events { worker_connections 100000; }
http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout ${IDLE_TIMEOUT:-60}s;
    client_header_timeout ${IDLE_TIMEOUT:-60}s;
    client_body_temp_path $WORK; proxy_temp_path $WORK; fastcgi_temp_path $WORK;
    uwsgi_temp_path $WORK; scgi_temp_path $WORK;
    ${1:-}
    server {
        listen 127.0.0.1:$PORT ssl http2 $reuseport;
        ssl_certificate $WORK/chain.pem;
        ssl_certificate_key $WORK/leaf.key;
        ssl_protocols TLSv1.3;
        root $WORK/www;
    }
}
CONF
    taskset -c "$SERVER_CORE" ${LAUNCH:-} nginx -c "$WORK/nginx.conf" -e "$WORK/logs/nginx.err" &
    SERVER_PID=$!
    wait_listening "$workers"
    SERVER_PIDS=("$SERVER_PID")
    if [ "$workers" -gt 1 ]; then
        for _ in $(seq 1 100); do
            [ "$(ps -o pid= --ppid "$SERVER_PID" | wc -l)" -ge "$workers" ] && break
            sleep 0.1
        done
        read -r -a SERVER_CHILDREN <<< "$(ps -o pid= --ppid "$SERVER_PID" | tr '\n' ' ')"
    fi
}

# stop_server: ends the server started last (nginx's master stops its workers); whatever
# of it is left after 10 s is killed.
stop_server() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${SERVER_PIDS[@]}" "${SERVER_CHILDREN[@]}"; do
        for _ in $(seq 1 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    SERVER_PID=
    SERVER_PIDS=()
    SERVER_CHILDREN=()
}

# server_cpu_ticks: user+system clock ticks the server has used so far.
server_cpu_ticks() {
    awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"
}

# rss_kib: the server's resident set, KiB (summed over its processes).
rss_kib() {
    local pid
    for pid in "${SERVER_PIDS[@]}" "${SERVER_CHILDREN[@]}"; do cat "/proc/$pid/status"; done |
        awk '/^VmRSS/ {kib += $2} END {print kib}'
}

# rss_each_kib: the resident set of each of the server's processes, KiB.
rss_each_kib() {
    local pid
    for pid in "${SERVER_PIDS[@]}" "${SERVER_CHILDREN[@]}"; do
        awk '/^VmRSS/ {printf "%s ", $2}' "/proc/$pid/status"
    done
}

# pss_kib: the server's proportional set, KiB (summed over its processes): pages shared
# between them (nginx's workers and master) counted once.
pss_kib() {
    local pid
    for pid in "${SERVER_PIDS[@]}" "${SERVER_CHILDREN[@]}"; do
        cat "/proc/$pid/smaps_rollup"
    done |
        awk '/^Pss:/ {kib += $2} END {print kib}'
}

# median of the numbers on stdin.
median() {
    sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'
}
