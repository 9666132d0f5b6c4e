#!/usr/bin/env bash
# Soak check: after >= 1,000,000 requests through `aviary proxy` (keep-alive and, for part of it,
# a new connection per request), the proxy's open file descriptors and RSS return to the level
# measured after a short warm-up. Exit status 0 = back to baseline, 1 = leak suspected.
# Usage: bench/proxy/soak.sh [TOTAL_REQUESTS]   (env AVIARY_BIN = path of the aviary binary)
set -euo pipefail
TOTAL=${1:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$(dirname "$HERE")")
AVIARY_BIN=${AVIARY_BIN:-$ROOT/build/src/cli/aviary}   # what `make build` produces
RUN=$(mktemp -d); chmod 755 "$RUN"; mkdir -p "$RUN/be/tmp"
PIDS=()
cleanup() { set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
sed "s#@RUN@#$RUN#g" "$HERE/backend-nginx.conf" > "$RUN/be/nginx.conf"
nginx -p "$RUN/be" -c nginx.conf > "$RUN/be.log" 2>&1 & PIDS+=($!)
"$AVIARY_BIN" proxy --config "$HERE/aviary.yaml" > "$RUN/aviary.log" 2>&1 & PX=$!; PIDS+=($!)
for i in $(seq 100); do curl -sf 127.0.0.1:18010/ >/dev/null && break; sleep 0.1; done

fds() { ls /proc/$PX/fd | wc -l; }
# Pooled keep-alive connections to the backends (bounded by maxIdleConnections): their number
# follows the peak concurrency seen, so they are reported apart from the other descriptors.
upstream_fds() { ss -tnp | grep "pid=$PX," | grep -cE '127\.0\.0\.1:1800[12] ' || true; }
rss() { awk '/VmRSS/{print $2}' /proc/$PX/status; }
requests() { curl -s 127.0.0.1:18011/stats/prometheus | awk '/^istio_requests_total/{n+=$NF} END{printf "%d", n}'; }

wrk -t2 -c50 -d3s http://127.0.0.1:18010/ >/dev/null   # warm-up: pools and buffers at their working size
sleep 1
FD0=$(fds); UP0=$(upstream_fds); RSS0=$(rss); START=$(requests)
echo "baseline: fds=$FD0 (upstream pool $UP0) rss=${RSS0}kB after $START requests"
while (( $(requests) - START < TOTAL )); do
  wrk -t2 -c50 -d10s http://127.0.0.1:18010/ | awk '/requests in/{print "  keep-alive: " $1 " requests"}'
  wrk -t2 -c20 -d2s -H "Connection: close" http://127.0.0.1:18010/ | awk '/requests in/{print "  close:      " $1 " requests"}'
done
sleep 1   # let closed connections unwind
FD1=$(fds); UP1=$(upstream_fds); RSS1=$(rss); DONE=$(( $(requests) - START ))
echo "after $DONE requests: fds=$FD1 (upstream pool $UP1) rss=${RSS1}kB"
# Descriptors other than the pool must be back exactly; the pool may differ by the concurrency
# it last saw; RSS may move by allocator noise (more than 10% + 2 MB counts as growth).
if (( FD1 - UP1 <= FD0 - UP0 && RSS1 <= RSS0 + RSS0 / 10 + 2048 )); then echo "OK: back to baseline"; else echo "LEAK?"; exit 1; fi
