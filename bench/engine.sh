#!/bin/sh
# Engine benchmark: 10,000 canaries through full rollouts in one process, pinned to one core
# (docs/benchmarks.md).   bench/engine.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
cmake --build "$BUILD" --target engine_bench -j2 >/dev/null
for spec in shared copy copy-positions; do
  echo "== --spec $spec"
  taskset -c 0 "$BUILD/bench/engine/engine_bench" --canaries 10000 --spec "$spec"
done
