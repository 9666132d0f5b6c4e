#!/usr/bin/env bash
# The embedded metrics server vs the real Prometheus on one exporter of ~1,000 Istio-shaped
# series: ingest rate, memory per series per hour, builtin query latency, controller tick lateness.
#   bench/metrics.sh BUILD_DIR [STEPS] [QUERIES]
# STEPS (default 720 = one hour of 5 s samples) are fed in lock-step to both servers at 100 ms
# scrapes, so the run takes about STEPS × 0.15 s. Needs `prometheus` on PATH (Debian package).
set -eu
BUILD=${1:?usage: bench/metrics.sh BUILD_DIR [STEPS] [QUERIES]}
BENCH="$BUILD/bench/metrics/bench_metrics"
[ -x "$BENCH" ] || { echo "build it first: cmake --build $BUILD --target bench_metrics" >&2; exit 2; }
prometheus --version 2>&1 | head -1
exec "$BENCH" --steps "${2:-720}" --queries "${3:-300}"
