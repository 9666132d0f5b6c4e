#!/usr/bin/env bash
# Proxy benchmark: wrk -t2 -c50 -d10s --latency through
#   (a) aviary proxy   90/10 split, Istio telemetry on (always on), 1 worker
#   (b) HAProxy 2.6    same weights, nbthread 1, http-reuse always
#   (c) nginx          same weights, worker_processes 1, upstream keepalive
# to the same nginx backend (two `return 200` servers, worker_processes 1), three rounds, the
# order of (a)/(b)/(c) rotated each round. Prints a markdown table (req/s, p50, p99, RSS).
# Every server binds 127.0.0.1 ports 18001-18031 and is stopped by PID on exit.
# Usage: bench/proxy.sh [ROUNDS] [DURATION]   (env AVIARY_BIN = path of the aviary binary)
# CONNS=N: wrk connections (default 50, the issue's setting).
# PIN=1: fixed CPU layout, the same for every proxy: the proxy under test on CPU 0, wrk and the
# backend on CPU 1 (taskset). Without it the kernel places all four busy tasks on the two cores
# as it likes, which moves the figures by ±10% between runs and favours whichever proxy happens
# to end up alone on a core; pinned, the table compares the proxies' own costs.
# URLPATH=/files/64k.bin or /files/1m.bin: wrk fetches a static file of that size (x bytes) from
# the backend instead of the 16-byte answer of /.
# PIN=proxy: only the proxy under test is pinned (CPU 0); wrk and the backend go where the kernel
# puts them.
set -euo pipefail
ROUNDS=${1:-3}
DURATION=${2:-10s}
CONNS=${CONNS:-50}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
AVIARY_BIN=${AVIARY_BIN:-}
if [[ -z "$AVIARY_BIN" ]]; then
  for c in "$ROOT/build/src/cli/aviary"; do   # what `make build` produces
    [[ -x "$c" ]] && AVIARY_BIN=$c && break
  done
fi
ON_PROXY_CPU=(); ON_OTHER_CPU=()
case "${PIN:-0}" in
  0) ;;
  1|proxy)
    [[ $(nproc) -ge 2 ]] || { echo "PIN needs 2 CPUs" >&2; exit 2; }
    ON_PROXY_CPU=(taskset -c 0)
    [[ "$PIN" == 1 ]] && ON_OTHER_CPU=(taskset -c 1) ;;
  *) echo "PIN must be 0, 1 or proxy" >&2; exit 2 ;;
esac
for b in nginx haproxy wrk curl "$AVIARY_BIN"; do
  command -v "$b" >/dev/null || { echo "missing: $b" >&2; exit 2; }
done

source "$HERE/proxy/rundir.sh"

sed "s#@RUN@#$RUN#g" "$HERE/proxy/backend-nginx.conf" > "$RUN/be/nginx.conf"
sed "s#@RUN@#$RUN#g" "$HERE/proxy/proxy-nginx.conf" > "$RUN/px/nginx.conf"
cp "$HERE/proxy/haproxy.cfg" "$RUN/haproxy.cfg"
cp "$HERE/proxy/aviary.yaml" "$RUN/aviary.yaml"

"${ON_OTHER_CPU[@]}" nginx -p "$RUN/be" -c nginx.conf > "$RUN/be.log" 2>&1 & PIDS+=($!)
"${ON_PROXY_CPU[@]}" nginx -p "$RUN/px" -c nginx.conf > "$RUN/px.log" 2>&1 & NGINX_PX=$!; PIDS+=($!)
"${ON_PROXY_CPU[@]}" haproxy -db -f "$RUN/haproxy.cfg" > "$RUN/haproxy.log" 2>&1 & HAPROXY=$!; PIDS+=($!)
"${ON_PROXY_CPU[@]}" "$AVIARY_BIN" proxy --config "$RUN/aviary.yaml" > "$RUN/aviary.log" 2>&1 & AVIARY=$!; PIDS+=($!)

for port in 18001 18002 18010 18020 18030; do
  for i in $(seq 100); do curl -sf "127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$port/" >/dev/null || { echo "port $port not answering" >&2; cat "$RUN"/*.log >&2; exit 1; }
done
# Split sanity check: 100 requests through each proxy.
for port in 18010 18020 18030; do
  echo "split via :$port: $(for i in $(seq 100); do curl -s 127.0.0.1:$port/; done | sort | uniq -c | tr -s ' ' | tr '\n' ' ')"
done

# rss_of (MB, nginx: master + worker) and cpu_of (clock ticks) come from rundir.sh.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }

declare -A NAME=([18010]="aviary proxy (1 worker)" [18020]="HAProxy 2.6 (nbthread 1)" [18030]="nginx 1.22 (1 worker)")
declare -A PID=([18010]=$AVIARY [18020]=$HAPROXY [18030]=$NGINX_PX)
ORDER=(18010 18020 18030)
echo
[[ "${PIN:-0}" == 1 ]] && echo "CPU layout: proxies on CPU 0, wrk and backend on CPU 1 (PIN=1)"
[[ "${PIN:-0}" == proxy ]] && echo "CPU layout: proxies on CPU 0, wrk and backend unpinned (PIN=proxy)"
echo "wrk -t2 -c$CONNS -d$DURATION http://127.0.0.1:PORT$URLPATH"
echo "| round | proxy | req/s | p50 ms | p99 ms | non-2xx/errors | RSS MB | CPU µs/req |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
HZ=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
  for port in "${ORDER[@]}"; do
    cpu0=$(cpu_of "${PID[$port]}")
    out=$("${ON_OTHER_CPU[@]}" wrk -t2 -c"$CONNS" -d"$DURATION" --timeout 10s --latency "http://127.0.0.1:$port$URLPATH")
    cpu1=$(cpu_of "${PID[$port]}")
    rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
    p50=$(awk '$1=="50%"{print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1=="99%"{print $2}' <<<"$out" | to_ms)
    errs=$(awk '/Non-2xx/{n+=$NF} /Socket errors/{gsub(/[^0-9 ]/," "); n+=$1+$2+$3+$4} END{print n+0}' <<<"$out")
    total=$(awk '/requests in/{print $1}' <<<"$out")
    cpureq=$(awk -v c=$((cpu1 - cpu0)) -v hz="$HZ" -v n="$total" 'BEGIN{printf "%.1f", c * 1e6 / hz / n}')
    echo "| $round | ${NAME[$port]} | $rps | $p50 | $p99 | $errs | $(rss_of "${PID[$port]}") | $cpureq |"
  done
  ORDER=("${ORDER[@]:1}" "${ORDER[0]}")   # rotate who runs first
done
echo
echo "aviary telemetry after the runs (sum of istio_requests_total by destination_workload):"
curl -s 127.0.0.1:18011/stats/prometheus \
  | sed -n 's/^istio_requests_total{.*destination_workload="\([^"]*\)".* \([0-9][0-9.e+]*\)$/\1 \2/p' \
  | awk '{n[$1]+=$2} END{for (k in n) printf "  %s: %d\n", k, n[k]}'
