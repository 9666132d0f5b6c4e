#!/usr/bin/env bash
# WebSocket tunnel benchmark: CONNS connections (default 4) each upgrade through (a) aviary proxy,
# (b) HAProxy 2.6, (c) nginx 1.22 (Upgrade/Connection passed on, proxy_buffering off) to the same
# echo server (tunnel_bench echo), then send MIB MiB each (default 512) and read them back.
# ROUNDS rounds in rotated order. Prints MiB/s (both directions counted once: bytes echoed back),
# the proxy's CPU time per GiB echoed and its RSS after the run.
#   bench/proxy/tunnel.sh [ROUNDS]     (env AVIARY_BIN, BENCH_BIN = tunnel_bench, CONNS, MIB)
# Ports 18003 (echo), 18012/18013 (aviary), 18022 (HAProxy), 18032 (nginx).
set -euo pipefail
ROUNDS=${1:-3}
CONNS=${CONNS:-4}
MIB=${MIB:-512}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
AVIARY_BIN=${AVIARY_BIN:-$ROOT/build/src/cli/aviary}
BENCH_BIN=${BENCH_BIN:-$ROOT/build/bench/proxy/tunnel_bench}
for b in nginx haproxy curl "$AVIARY_BIN" "$BENCH_BIN"; do
  command -v "$b" >/dev/null || { echo "missing: $b (make bench builds tunnel_bench)" >&2; exit 2; }
done
source "$HERE/rundir.sh"
cat > "$RUN/aviary.yaml" <<YAML
workers: 1
admin: {port: 18013}
listeners:
  - {name: ws, port: 18012, routes: [{route: [{cluster: echo}]}]}
clusters:
  - {name: echo, endpoints: ["127.0.0.1:18003"]}
YAML
cat > "$RUN/haproxy.cfg" <<CFG
global
    nbthread 1
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
    timeout tunnel 30s
frontend fe
    bind 127.0.0.1:18022
    default_backend be
backend be
    server echo 127.0.0.1:18003
CFG
cat > "$RUN/px/nginx.conf" <<CONF
worker_processes 1;
daemon off;
error_log stderr warn;
pid nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  server {
    listen 127.0.0.1:18032;
    location / {
      proxy_pass http://127.0.0.1:18003;
      proxy_http_version 1.1;
      proxy_set_header Upgrade \$http_upgrade;
      proxy_set_header Connection "upgrade";
      proxy_buffering off;
      proxy_read_timeout 30s;
    }
  }
}
CONF
"$BENCH_BIN" echo 18003 > "$RUN/echo.log" 2>&1 & PIDS+=($!)
nginx -p "$RUN/px" -c nginx.conf > "$RUN/px.log" 2>&1 & NGINX_PX=$!; PIDS+=($!)
haproxy -db -f "$RUN/haproxy.cfg" > "$RUN/haproxy.log" 2>&1 & HAPROXY=$!; PIDS+=($!)
"$AVIARY_BIN" proxy --config "$RUN/aviary.yaml" > "$RUN/aviary.log" 2>&1 & AVIARY=$!; PIDS+=($!)
for port in 18012 18022 18032; do   # each answers once the echo server is up (101 for a plain GET too)
  for i in $(seq 100); do "$BENCH_BIN" client "$port" 1 1 >/dev/null 2>&1 && break; sleep 0.1; done
  "$BENCH_BIN" client "$port" 1 1 >/dev/null || { echo "port $port not tunnelling" >&2; cat "$RUN"/*.log >&2; exit 1; }
done
declare -A NAME=([18012]="aviary proxy (1 worker)" [18022]="HAProxy 2.6 (nbthread 1)" [18032]="nginx 1.22 (1 worker)")
declare -A PID=([18012]=$AVIARY [18022]=$HAPROXY [18032]=$NGINX_PX)
ORDER=(18012 18022 18032)
HZ=$(getconf CLK_TCK)
echo "$CONNS tunnels, $MIB MiB each way per tunnel"
echo "| round | proxy | MiB/s | complete | RSS MB | CPU s/GiB |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  for port in "${ORDER[@]}"; do
    cpu0=$(cpu_of "${PID[$port]}")
    out=$("$BENCH_BIN" client "$port" "$CONNS" "$MIB" || true)
    cpu1=$(cpu_of "${PID[$port]}")
    mibs=$(sed -n 's/.*mibs=\([0-9]*\).*/\1/p' <<<"$out")
    ok=$(awk '{split($1,a,"="); split($2,b,"="); print (a[2]==b[2]) ? "yes" : "NO"}' <<<"$out")
    cpugib=$(awk -v c=$((cpu1 - cpu0)) -v hz="$HZ" -v m="$MIB" -v n="$CONNS" 'BEGIN{printf "%.2f", c / hz / (m * n / 1024)}')
    echo "| $round | ${NAME[$port]} | $mibs | $ok | $(rss_of "${PID[$port]}") | $cpugib |"
  done
  ORDER=("${ORDER[@]:1}" "${ORDER[0]}")
done
