#!/usr/bin/env bash
# Load-generator benchmark: `aviary hey` vs Debian's `hey` vs `wrk`, against nginx serving a small
# static file on 127.0.0.1, DURATION each (default 10s) at concurrency 1, 2 and 50, all in the
# same run so that the ratios are comparable on a shared machine.
#
#   bench/loadgen.sh [path/to/aviary]          (default: build/src/cli/aviary)
#   DURATION=10s OUT=/tmp/loadgen.md bench/loadgen.sh build/src/cli/aviary
#
# Needs nginx, hey and wrk (scripts/install-deps.sh). Prints a Markdown table and writes it, with
# the command, date and machine load, to $OUT. Uses a free port in 28000-28099.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
AVIARY=${1:-$ROOT/build/src/cli/aviary}
DURATION=${DURATION:-10s}
OUT=${OUT:-$(mktemp --suffix=.md /tmp/aviary-loadgen-XXXX)}   # copy figures into docs/benchmarks.md
CONCURRENCIES=${CONCURRENCIES:-"1 2 50"}
for bin in nginx hey wrk; do command -v "$bin" >/dev/null || { echo "loadgen.sh: $bin not found (apt-get install $bin)" >&2; exit 1; }; done
[ -x "$AVIARY" ] || { echo "loadgen.sh: $AVIARY is not built (cmake --build build --target aviary)" >&2; exit 1; }

PORT=""
for p in $(seq 28000 28099); do
  if ! ss -ltnH "sport = :$p" | grep -q .; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "loadgen.sh: no free port in 28000-28099" >&2; exit 1; }

RUN=$(mktemp -d); chmod 755 "$RUN"   # nginx workers run as nobody when started as root
mkdir -p "$RUN"/www "$RUN"/tmp
echo '<html><body>hello</body></html>' > "$RUN"/www/index.html
cat > "$RUN"/nginx.conf <<NGINX
worker_processes 1;
daemon off;
error_log stderr warn;
pid nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path tmp/body; proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fcgi; uwsgi_temp_path tmp/uwsgi; scgi_temp_path tmp/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$PORT; root www; }
}
NGINX
PIDS=()
cleanup() { set +e; kill "${PIDS[@]}" 2>/dev/null; wait "${PIDS[@]}" 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
nginx -p "$RUN" -c nginx.conf > "$RUN"/nginx.log 2>&1 & PIDS+=($!)
URL=http://127.0.0.1:$PORT/index.html
for _ in $(seq 100); do curl -sf "$URL" >/dev/null && break; sleep 0.1; done
curl -sf "$URL" >/dev/null || { echo "loadgen.sh: nginx did not start" >&2; cat "$RUN"/nginx.log >&2; exit 1; }

# "<req/s> <p99 ms>" from hey's (and aviary hey's) summary.
parse_hey() { awk '/Requests\/sec:/ {rps=$2} /99% in/ {p99=$3*1000} END {printf "%.0f %.2f\n", rps, p99}'; }
# "<req/s> <p99 ms>" from wrk --latency.
parse_wrk() {
  awk '/Requests\/sec:/ {rps=$2}
       $1=="99%" {v=$2; u=v; gsub(/[0-9.]/,"",u); sub(/[a-z]+$/,"",v);
                  m=(u=="us")?v/1000:(u=="ms")?v:(u=="s")?v*1000:v; p99=m}
       END {printf "%.0f %.2f\n", rps, p99}'
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A RPS P99
for c in $CONCURRENCIES; do
  t=$(( c < 2 ? 1 : 2 ))
  read -r RPS[aviary,$c] P99[aviary,$c] < <("$AVIARY" hey -z "$DURATION" -c "$c" "$URL" | parse_hey)
  read -r RPS[hey,$c] P99[hey,$c] < <(hey -z "$DURATION" -c "$c" "$URL" | parse_hey)
  read -r RPS[wrk,$c] P99[wrk,$c] < <(wrk -t"$t" -c"$c" -d"$DURATION" --latency "$URL" | parse_wrk)
  echo "c=$c: aviary ${RPS[aviary,$c]} req/s p99 ${P99[aviary,$c]} ms | hey ${RPS[hey,$c]} p99 ${P99[hey,$c]} | wrk ${RPS[wrk,$c]} p99 ${P99[wrk,$c]}" >&2
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
TABLE="| concurrency | aviary hey req/s | hey req/s | wrk req/s | aviary/hey | aviary/wrk | aviary p99 ms | hey p99 ms | wrk p99 ms |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
for c in $CONCURRENCIES; do
  TABLE+="
| $c | ${RPS[aviary,$c]} | ${RPS[hey,$c]} | ${RPS[wrk,$c]} | $(ratio "${RPS[aviary,$c]}" "${RPS[hey,$c]}") | $(ratio "${RPS[aviary,$c]}" "${RPS[wrk,$c]}") | ${P99[aviary,$c]} | ${P99[hey,$c]} | ${P99[wrk,$c]} |"
done
echo "$TABLE"

cat > "$OUT" <<DOC
# Load generator benchmark (\`aviary hey\` vs \`hey\` vs \`wrk\`)

Produced by \`bench/loadgen.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC').

- Target: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') (\`worker_processes 1\`, \`access_log off\`) serving a 32-byte static
  file on 127.0.0.1:$PORT; $DURATION per run; the three clients run back to back for each concurrency.
- Clients: \`aviary hey -z $DURATION -c C URL\` (event-loop threads = min(C, CPUs)), Debian \`hey -z $DURATION -c C URL\`
  (0.1.4), \`wrk -tT -cC -d$DURATION --latency URL\` with T = 1 for C = 1, else 2 (wrk needs T ≤ C).
- Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), shared with other
  engineers' compile jobs; load average $LOAD_BEFORE before and $LOAD_AFTER after the run. Client, nginx and
  any other work share the same cores, so absolute numbers are noisy (5-25 % run to run); compare the ratios,
  which come from the same run.
- Command: \`DURATION=$DURATION bench/loadgen.sh $AVIARY\`.
- p99: hey's and aviary's "99% in" line (hey's format: 0.1 ms resolution); wrk's \`--latency\` 99% line.

$TABLE

Goal at concurrency 50: aviary/hey ≥ 1.5 and aviary/wrk ≥ 0.9.
DOC
echo "wrote $OUT" >&2
