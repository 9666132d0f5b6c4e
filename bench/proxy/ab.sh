#!/usr/bin/env bash
# A/B check for proxy changes: two aviary builds side by side with HAProxy 2.6, same nginx
# backend and configs as bench/proxy.sh, `wrk -t2 -c50` rounds in rotated order, latency
# percentiles up to p99.9 (percentiles.lua) and, with PERF=1, per-request counts of the proxy's
# syscalls and context switches (perf stat on the proxy process over the middle of the run, divided
# by the mean rate of the whole run, so approximate).
#   bench/proxy/ab.sh A_BIN B_BIN [ROUNDS] [DURATION]      (defaults: 4 rounds of 5s)
# CONNS=N: wrk connections (default 50). URLPATH=/files/64k.bin or /files/1m.bin: fetch a file of
# that size instead of /. Each line ends with the proxy's RSS after the run.
# Ports 18001-18002 (backend), 18010/18011 (A), 18040/18041 (B), 18020 (HAProxy).
set -euo pipefail
A=${1:?usage: ab.sh A_BIN B_BIN [ROUNDS] [DURATION]}
B=${2:?usage: ab.sh A_BIN B_BIN [ROUNDS] [DURATION]}
ROUNDS=${3:-4}
CONNS=${CONNS:-50}
DURATION=${4:-5s}
HERE=$(cd "$(dirname "$0")" && pwd)
for b in nginx haproxy wrk curl "$A" "$B"; do command -v "$b" >/dev/null || { echo "missing: $b" >&2; exit 2; }; done
source "$HERE/rundir.sh"
sed "s#@RUN@#$RUN#g" "$HERE/backend-nginx.conf" > "$RUN/be/nginx.conf"
sed 's/18010/18040/; s/18011/18041/' "$HERE/aviary.yaml" > "$RUN/aviary-b.yaml"
nginx -p "$RUN/be" -c nginx.conf > "$RUN/be.log" 2>&1 & PIDS+=($!)
haproxy -db -f "$HERE/haproxy.cfg" > "$RUN/haproxy.log" 2>&1 & HAPROXY=$!; PIDS+=($!)
"$A" proxy --config "$HERE/aviary.yaml" > "$RUN/a.log" 2>&1 & PA=$!; PIDS+=($!)
"$B" proxy --config "$RUN/aviary-b.yaml" > "$RUN/b.log" 2>&1 & PB=$!; PIDS+=($!)
for port in 18001 18010 18020 18040; do
  for i in $(seq 100); do curl -sf "127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$port/" >/dev/null || { echo "port $port not answering" >&2; cat "$RUN"/*.log >&2; exit 1; }
done
declare -A NAME=([18010]=A [18040]=B [18020]=haproxy) PID=([18010]=$PA [18040]=$PB [18020]=$HAPROXY)
ORDER=(18010 18040 18020)
secs=${DURATION%s}
for round in $(seq "$ROUNDS"); do
  for port in "${ORDER[@]}"; do
    wrk -t2 -c"$CONNS" -d"$DURATION" -s "$HERE/percentiles.lua" "http://127.0.0.1:$port$URLPATH" > "$RUN/wrk.txt" & WRK=$!
    counts=""
    if [[ "${PERF:-0}" == 1 && "$secs" -ge 3 ]]; then
      sleep 1
      perf stat -x, -e 'syscalls:sys_enter_epoll_wait,syscalls:sys_enter_recvfrom,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg,context-switches' \
        -p "${PID[$port]}" -- sleep $((secs - 2)) 2> "$RUN/perf.txt" || true
      counts=$(awk -F, '{n=$3; sub(/^syscalls:sys_enter_/, "", n); printf " %s=%s", n, $1}' "$RUN/perf.txt")
    fi
    wait "$WRK"
    line=$(grep '^rps=' "$RUN/wrk.txt")
    if [[ -n "$counts" ]]; then
      # per request, over the perf window (secs - 2 seconds at the run's mean rate)
      counts=$(awk -v c="$counts" -v r="${line#rps=}" -v s=$((secs - 2)) 'BEGIN{r+=0; n=split(c, kv, " "); for (i=1;i<=n;i++){split(kv[i], a, "="); printf " %s/req=%.2f", a[1], a[2]/(r*s)}}')
    fi
    rss=$(awk '/VmRSS/{printf "%.1f", $2 / 1024}' "/proc/${PID[$port]}/status")
    echo "$round ${NAME[$port]} $line$counts rss_mb=$rss"
  done
  ORDER=("${ORDER[@]:1}" "${ORDER[0]}")
done
