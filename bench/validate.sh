#!/usr/bin/env bash
# Decode + validate throughput on a generated file of N Canaries (default 10,000).
#   bench/validate.sh BUILD_DIR [N]
# Prints the in-process figures (bench_validate: best of 3, documents/s, peak RSS) and the
# end-to-end `aviary validate` run under /usr/bin/time -v (wall time, max RSS), when built.
set -eu
BUILD=${1:?usage: bench/validate.sh BUILD_DIR [N]}
N=${2:-10000}
BENCH="$BUILD/bench/validate/bench_validate"
[ -x "$BENCH" ] || { echo "build the bench_validate target first: cmake --build $BUILD --target bench_validate" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FILE="$TMP/canaries-$N.yaml"
"$BENCH" --generate "$N" "$FILE"
echo "generated $N Canaries: $(wc -c < "$FILE") bytes, $(wc -l < "$FILE") lines"
"$BENCH" "$FILE" 3
if [ -x "$BUILD/src/cli/aviary" ]; then
  /usr/bin/time -v "$BUILD/src/cli/aviary" validate -f "$FILE" > "$TMP/out.txt" 2> "$TMP/time.txt" || true
  echo "aviary validate -f FILE: $(grep -c '^ok  ' "$TMP/out.txt") ok lines," \
    "wall $(grep 'Elapsed (wall clock)' "$TMP/time.txt" | awk '{print $NF}'),"  \
    "user $(grep 'User time' "$TMP/time.txt" | awk '{print $NF}') s, sys $(grep 'System time' "$TMP/time.txt" | awk '{print $NF}') s," \
    "max RSS $(grep 'Maximum resident' "$TMP/time.txt" | awk '{print $NF}') KB"
fi
