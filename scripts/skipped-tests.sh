#!/usr/bin/env bash
# Lists every test that was skipped in a CTest run, with its reason, and ends with a one-line
# total, so that no test passes silently by skipping.
#
#   cd BUILD_DIR && ctest --output-junit ctest-junit.xml --test-output-size-passed 8388608 ...
#   scripts/skipped-tests.sh ctest-junit.xml
#
# Our CTest entries are whole GoogleTest binaries (cmake/AviaryHelpers.cmake), so CTest counts a
# binary with one GTEST_SKIP()'d test and many passing ones as passed. This reads CTest's JUnit
# report, which keeps each entry's status and full output: a whole entry CTest did not run
# (status "notrun": skip return code, missing executable, ...) is listed with CTest's message;
# inside an entry's output each `[  SKIPPED ] Suite.Test (N ms)` is one skipped GoogleTest test,
# its reason the lines GoogleTest prints after `FILE:LINE: Skipped`.
# Exit status 0 (skips are reported, not failures); 2 when there is no report to read.
set -u
if [ $# -ne 1 ]; then
  echo "usage: $0 CTEST_JUNIT_XML" >&2
  exit 2
fi
if [ ! -r "$1" ]; then
  echo "skipped-tests: no CTest JUnit report at $1 (run ctest --output-junit first)" >&2
  exit 2
fi
awk '
  function unescape(s) {
    gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\047", s)
    gsub(/&amp;/, "\\&", s)
    return s
  }
  function attr(line, name,    m) {
    if (match(line, name "=\"[^\"]*\"")) return substr(line, RSTART + length(name) + 2, RLENGTH - length(name) - 3)
    return ""
  }
  /<testcase / { entry = attr($0, "name"); status = attr($0, "status"); reason = ""; inReason = 0; next }
  /<skipped / && status == "notrun" {
    printf "skipped: %s (the whole CTest entry did not run: %s)\n", entry, unescape(attr($0, "message")); ++ctest; next
  }
  # GoogleTest inside the entry output: "<file>:<line>: Skipped", the message, "[  SKIPPED ] Suite.Test (N ms)".
  /: Skipped$/ { inReason = 1; reason = ""; next }
  /^\[  SKIPPED \] [^ ]+ \([0-9]+ ms\)$/ {
    if (reason == "") reason = "(no reason given)"
    printf "skipped: %s %s: %s\n", entry, $4, unescape(reason)
    ++gtest; inReason = 0; reason = ""; next
  }
  /^\[/ { inReason = 0 }
  inReason && NF { reason = reason (reason == "" ? "" : " ") $0; next }
  END {
    printf "skipped tests: %d (%d GoogleTest test(s) inside CTest entries, %d whole CTest entr%s)\n",
           gtest + ctest, gtest, ctest, ctest == 1 ? "y" : "ies"
  }
' "$1"
