#!/usr/bin/env bash
# Scheduler counters of each proxy's busiest thread, the backend and wrk while `wrk -t2 -c50`
# runs through the aviary proxy and HAProxy 2.6 (same backend and configs as bench/proxy.sh):
# time on CPU, time runnable but waiting, time slices, voluntary and involuntary context
# switches, from /proc/PID/task/TID/{schedstat,status}. This is the diagnosis behind the
# "default layout" p99 discussion in docs/benchmarks.md: a thread preempted often (involuntary
# switches) has its requests wait while the task that preempted it runs.
#   bench/proxy/sched.sh AVIARY_BIN [DURATION_SECONDS] [ROUNDS]   (defaults: 8 s, 1 round)
# Ports 18001-18002 (backend), 18010/18011 (aviary), 18020 (HAProxy).
set -euo pipefail
AVIARY=${1:?usage: sched.sh AVIARY_BIN [DURATION_SECONDS] [ROUNDS]}
SECS=${2:-8}
[[ $SECS -ge 3 ]] || { echo "DURATION_SECONDS must be at least 3" >&2; exit 2; }
ROUNDS=${3:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
for b in nginx haproxy wrk curl "$AVIARY"; do command -v "$b" >/dev/null || { echo "missing: $b" >&2; exit 2; }; done
RUN=$(mktemp -d); chmod 755 "$RUN"; mkdir -p "$RUN/be/tmp"
PIDS=()
cleanup() { set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
sed "s#@RUN@#$RUN#g" "$HERE/backend-nginx.conf" > "$RUN/be/nginx.conf"
nginx -p "$RUN/be" -c nginx.conf > "$RUN/be.log" 2>&1 & BACKEND=$!; PIDS+=($!)
haproxy -db -f "$HERE/haproxy.cfg" > "$RUN/haproxy.log" 2>&1 & HAPROXY=$!; PIDS+=($!)
"$AVIARY" proxy --config "$HERE/aviary.yaml" > "$RUN/aviary.log" 2>&1 & AV=$!; PIDS+=($!)
for port in 18001 18010 18020; do
  for i in $(seq 100); do curl -sf "127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  curl -sf "127.0.0.1:$port/" >/dev/null || { echo "port $port not answering" >&2; cat "$RUN"/*.log >&2; exit 1; }
done

# One line per thread: name/tid run_ns wait_ns slices voluntary involuntary
snapshot() {
  local p t
  for p in "$@"; do
    for t in /proc/"$p"/task/*; do
      [[ -r $t/schedstat ]] || continue
      echo "$(cat "$t/comm")/$(basename "$t") $(cat "$t/schedstat") $(awk '/^voluntary_ctxt_switches/{v=$2} /^nonvoluntary_ctxt_switches/{n=$2} END{print v, n}' "$t/status")"
    done
  done
}
report() {  # before-file after-file seconds-between-them
  join <(sort "$1") <(sort "$2") | awk -v secs="$3" '{
    run = ($7 - $2) / 1e6; wait = ($8 - $3) / 1e6; slices = $9 - $4; vol = $10 - $5; inv = $11 - $6
    if (run < 5) next
    printf "  %-22s on CPU %6.0f ms  runnable-waiting %5.0f ms  slices %7d  voluntary %6d  involuntary %6d (%5.0f/s)  run/slice %5.1f us\n",
      $1, run, wait, slices, vol, inv, inv / secs, run * 1000 / (slices ? slices : 1) }'
}

NGINX_WORKERS=$(pgrep -P "$BACKEND" | tr '\n' ' ')
for round in $(seq "$ROUNDS"); do
  for port in 18010 18020; do
    proxy=$([[ $port == 18010 ]] && echo "$AV" || echo "$HAPROXY")
    # shellcheck disable=SC2086
    snapshot "$proxy" $NGINX_WORKERS > "$RUN/s0"
    wrk -t2 -c50 -d"${SECS}s" "http://127.0.0.1:$port/" > "$RUN/wrk.txt" & WRK=$!
    sleep 0.3
    snapshot "$WRK" > "$RUN/w0"
    sleep $((SECS - 1))
    snapshot "$WRK" > "$RUN/w1"
    wait "$WRK"
    # shellcheck disable=SC2086
    snapshot "$proxy" $NGINX_WORKERS > "$RUN/s1"
    rps=$(awk '/Requests\/sec/{print $2}' "$RUN/wrk.txt")
    echo "round $round, port $port ($([[ $port == 18010 ]] && echo aviary || echo HAProxy)): $rps req/s"
    report "$RUN/s0" "$RUN/s1" "$SECS"
    report "$RUN/w0" "$RUN/w1" "$((SECS - 1))"
  done
done
