#!/usr/bin/env bash
# Upload benchmark: PUT bodies of SIZE_MB (default 256) MiB through (a) aviary proxy (default
# limits: bodies above 1 MiB are streamed), (b) HAProxy 2.6, (c) nginx (proxy_request_buffering
# off) to the same nginx backend, which stores each body (WebDAV PUT, answered once the whole
# body is read) in the run directory, on /dev/shm when it exists. PARALLEL (default 1) uploads at
# once per measurement, ROUNDS rounds in rotated order. Prints MiB/s, the proxy's peak RSS over
# the whole run (VmHWM; nginx: master + worker) and its CPU time per GiB.
#   bench/proxy/upload.sh [ROUNDS]      (env AVIARY_BIN, SIZE_MB, PARALLEL)
# Same ports and configs as bench/proxy.sh (18001-18031).
set -euo pipefail
ROUNDS=${1:-3}
SIZE_MB=${SIZE_MB:-256}
PARALLEL=${PARALLEL:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
AVIARY_BIN=${AVIARY_BIN:-$ROOT/build/src/cli/aviary}
for b in nginx haproxy curl "$AVIARY_BIN"; do command -v "$b" >/dev/null || { echo "missing: $b" >&2; exit 2; }; done
[[ -d /dev/shm && -w /dev/shm ]] && export TMPDIR=/dev/shm   # bodies stored in memory, not on disk
source "$HERE/rundir.sh"
sed "s#@RUN@#$RUN#g" "$HERE/backend-nginx.conf" > "$RUN/be/nginx.conf"
sed "s#@RUN@#$RUN#g" "$HERE/proxy-nginx.conf" > "$RUN/px/nginx.conf"
mkdir -p "$RUN/be/upload" "$RUN/be/tmp/body"
chmod 777 "$RUN/be/upload" "$RUN/be/tmp/body"   # nginx workers run as nobody when started as root
head -c $((SIZE_MB * 1048576)) /dev/zero | tr "\0" u > "$RUN/body.bin"
nginx -p "$RUN/be" -c nginx.conf > "$RUN/be.log" 2>&1 & PIDS+=($!)
nginx -p "$RUN/px" -c nginx.conf > "$RUN/px.log" 2>&1 & NGINX_PX=$!; PIDS+=($!)
haproxy -db -f "$HERE/haproxy.cfg" > "$RUN/haproxy.log" 2>&1 & HAPROXY=$!; PIDS+=($!)
"$AVIARY_BIN" proxy --config "$HERE/aviary.yaml" > "$RUN/aviary.log" 2>&1 & AVIARY=$!; PIDS+=($!)
for port in 18001 18010 18020 18030; do
  for i in $(seq 100); do curl -sf "127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$port/" >/dev/null || { echo "port $port not answering" >&2; cat "$RUN"/*.log >&2; exit 1; }
done
# Warm-up, not measured: one upload through each proxy (the first upload of a run pays for the
# backend's first writes to the run directory).
for port in 18010 18020 18030; do
  curl -sS -o /dev/null --max-time 120 -T "$RUN/body.bin" "http://127.0.0.1:$port/upload/warm.bin"
done
rm -f "$RUN"/be/upload/*
declare -A NAME=([18010]="aviary proxy (1 worker)" [18020]="HAProxy 2.6 (nbthread 1)" [18030]="nginx 1.22 (1 worker)")
declare -A PID=([18010]=$AVIARY [18020]=$HAPROXY [18030]=$NGINX_PX)
ORDER=(18010 18020 18030)
HZ=$(getconf CLK_TCK)
echo "PUT of $SIZE_MB MiB, $PARALLEL at once (curl -T)"
echo "| round | proxy | MiB/s | statuses | peak RSS MB | CPU s/GiB |"
echo "| --- | --- | --- | --- | --- | --- |"
for round in $(seq "$ROUNDS"); do
  for port in "${ORDER[@]}"; do
    cpu0=$(cpu_of "${PID[$port]}")
    t0=$(date +%s.%N)
    codes=$(for i in $(seq "$PARALLEL"); do
      curl -sS -o /dev/null -w '%{http_code}\n' --max-time 120 -T "$RUN/body.bin" "http://127.0.0.1:$port/upload/r$round-$i.bin" &
    done; wait)
    t1=$(date +%s.%N)
    cpu1=$(cpu_of "${PID[$port]}")
    rm -f "$RUN"/be/upload/*
    mibs=$(awk -v s="$SIZE_MB" -v n="$PARALLEL" -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f", s * n / (b - a)}')
    cpugib=$(awk -v c=$((cpu1 - cpu0)) -v hz="$HZ" -v s="$SIZE_MB" -v n="$PARALLEL" 'BEGIN{printf "%.2f", c / hz / (s * n / 1024)}')
    echo "| $round | ${NAME[$port]} | $mibs | $(sort <<<"$codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}') | $(( $(kb_of "${PID[$port]}" VmHWM) / 1024 )) | $cpugib |"
  done
  ORDER=("${ORDER[@]:1}" "${ORDER[0]}")
done
