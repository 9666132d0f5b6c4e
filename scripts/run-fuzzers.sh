#!/usr/bin/env bash
# Runs every libFuzzer binary under BUILD_DIR/fuzz/** for SECONDS each, one after the other.
#
#   scripts/run-fuzzers.sh BUILD_DIR SECONDS [NAME-FILTER]
#
# BUILD_DIR is a fuzz build (CC=clang CXX=clang++ cmake -DAVIARY_FUZZ=ON ...; make fuzz).
# For a binary BUILD_DIR/fuzz/<concern>/<target>, the seeds are taken from the source tree:
#   fuzz/<concern>/corpus/<target>/       seed inputs (if present)
#   fuzz/<concern>/corpus/<target>.seeds  more seed directories, one per line, relative to the
#                                         source root (e.g. tests/api/corpus)
#   fuzz/<concern>/<target>.dict          a libFuzzer dictionary (if present)
# New inputs are written to BUILD_DIR/fuzz-corpus/<target>/ (never into the source tree), crash
# reproducers to BUILD_DIR/fuzz-artifacts/<target>/. The summary line per target gives the exec
# count. Exit status: 0 when every fuzzer ran clean, 1 when any found a crash, 2 on usage errors.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR SECONDS [NAME-FILTER]" >&2
  exit 2
fi
BUILD=$(cd "$1" && pwd) || exit 2
SECONDS_EACH=$2
FILTER=${3:-}
SRC=$(cd "$(dirname "$0")/.." && pwd)

mapfile -t FUZZERS < <(find "$BUILD/fuzz" -type f -perm -u+x -not -path '*/CMakeFiles/*' 2>/dev/null | sort)
if [ ${#FUZZERS[@]} -eq 0 ]; then
  echo "no fuzzers under $BUILD/fuzz (configure with -DAVIARY_FUZZ=ON and build the aviary_fuzzers target)" >&2
  exit 2
fi

status=0
summary=()
for bin in "${FUZZERS[@]}"; do
  target=$(basename "$bin")
  concern=$(basename "$(dirname "$bin")")
  if [ -n "$FILTER" ] && [[ "$target" != *"$FILTER"* ]]; then continue; fi
  work="$BUILD/fuzz-corpus/$target"
  artifacts="$BUILD/fuzz-artifacts/$target"
  mkdir -p "$work" "$artifacts"
  dirs=("$work")
  [ -d "$SRC/fuzz/$concern/corpus/$target" ] && dirs+=("$SRC/fuzz/$concern/corpus/$target")
  if [ -f "$SRC/fuzz/$concern/corpus/$target.seeds" ]; then
    while IFS= read -r d; do
      [ -n "$d" ] && [ -d "$SRC/$d" ] && dirs+=("$SRC/$d")
    done < "$SRC/fuzz/$concern/corpus/$target.seeds"
  fi
  args=(-max_total_time="$SECONDS_EACH" -artifact_prefix="$artifacts/" -print_final_stats=1)
  [ -f "$SRC/fuzz/$concern/$target.dict" ] && args+=(-dict="$SRC/fuzz/$concern/$target.dict")
  log="$BUILD/fuzz-artifacts/$target.log"
  echo "== $target ($concern): ${SECONDS_EACH}s, seeds: ${dirs[*]:1}"
  "$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  peak=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  if [ $rc -ne 0 ]; then
    status=1
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -5
    summary+=("$target: FAILED (exit $rc), execs ${execs:-?}, log $log")
  else
    summary+=("$target: ok, execs ${execs:-?}, peak RSS ${peak:-?} MB, corpus $(find "$work" -type f | wc -l) files")
  fi
done
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $status
