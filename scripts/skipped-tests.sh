#!/usr/bin/env bash
# Lists every test that was skipped in the last CTest run of BUILD_DIR, with its reason, and ends
# with a one-line total, so that no test passes silently by skipping.
#
#   scripts/skipped-tests.sh BUILD_DIR
#
# Our CTest entries are whole GoogleTest binaries (cmake/AviaryHelpers.cmake), so CTest counts a
# binary with one GTEST_SKIP()'d test and many passing ones as passed. This reads the full output
# CTest keeps (BUILD_DIR/Testing/Temporary/LastTest.log): each `[  SKIPPED ] Suite.Test (N ms)` is
# one skipped GoogleTest test, its reason the lines GoogleTest prints after `...: Skipped`. Whole
# CTest entries that did not run (CTest's "Not Run"/"Skipped") are counted too.
# Exit status 0 (skips are reported, not failures); 2 when there is no log to read.
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
LOG="$1/Testing/Temporary/LastTest.log"
if [ ! -r "$LOG" ]; then
  echo "skipped-tests: no CTest log at $LOG (run ctest first)" >&2
  exit 2
fi
awk '
  /^[0-9]+\/[0-9]+ Test: / { entry = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", entry); reason = ""; inReason = 0; next }
  # GoogleTest: "<file>:<line>: Skipped" then the message lines, then "[  SKIPPED ] Suite.Test (N ms)".
  /: Skipped$/ { inReason = 1; reason = ""; next }
  /^\[  SKIPPED \] [^ ]+ \([0-9]+ ms\)$/ {
    name = $4
    gsub(/\n+$/, "", reason)
    if (reason == "") reason = "(no reason given)"
    printf "skipped: %s %s: %s\n", entry, name, reason
    ++gtest; inReason = 0; reason = ""; next
  }
  /^\[/ { inReason = 0 }
  inReason { reason = reason (reason == "" ? "" : " ") $0; next }
  /^Test (Not Run|Skipped)/ { printf "skipped: %s (the whole CTest entry did not run)\n", entry; ++ctest }
  END {
    printf "skipped tests: %d (%d GoogleTest test(s) inside CTest entries, %d whole CTest entr%s)\n",
           gtest + ctest, gtest, ctest, ctest == 1 ? "y" : "ies"
  }
' "$LOG"
