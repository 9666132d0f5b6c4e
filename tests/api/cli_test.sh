#!/bin/sh
# Runs the real `aviary validate` binary: the seed validates (exit 0), a corpus file prints exactly
# its .expected text (exit 1), --strict and -o json work, stdin works, unreadable input exits 2.
# Usage: cli_test.sh AVIARY_BINARY SOURCE_DIR
set -u
AVIARY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SRC=$2
fails=0
check() {  # check NAME CONDITION-RESULT(0/1) DETAIL
  if [ "$2" -ne 0 ]; then
    echo "FAIL: $1"
    printf '%s\n' "$3"
    fails=$((fails + 1))
  else
    echo "ok: $1"
  fi
}

out=$("$AVIARY" validate -f "$SRC/examples/seed" 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^ok  ')" -eq 4 ] && \
  [ "$(printf '%s\n' "$out" | grep -c '^skip  ')" -eq 1 ] && \
  printf '%s\n' "$out" | grep -qx 'ok  Canary test/podinfo'
check "seed directory validates (exit $rc)" $? "$out"

out=$("$AVIARY" validate -f "$SRC/examples/seed/podinfo-canary-404.yaml" -f "$SRC/examples/seed/metrics-404.yaml" --strict 2>&1); rc=$?
[ $rc -eq 0 ]
check "canary with its MetricTemplate passes --strict (exit $rc)" $? "$out"

cd "$SRC/tests/api/corpus" || exit 1
for name in step-weight-negative template-ref-unresolved yaml-syntax-error; do
  out=$("$AVIARY" validate -f $name.yaml 2>/dev/null); rc=$?
  [ $rc -eq 1 ] && [ "$out" = "$(cat $name.expected)" ]
  check "corpus $name prints its .expected (exit $rc)" $? "$out"
done

out=$("$AVIARY" validate --strict -f strict-step-weight-over-max.yaml 2>&1); rc=$?
[ $rc -eq 1 ]
check "--strict turns a warning into an error (exit $rc)" $? "$out"
out=$("$AVIARY" validate -f strict-step-weight-over-max.yaml 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q ': warning: spec.analysis.stepWeight: '
check "without --strict it is a warning (exit $rc)" $? "$out"

# A step weight above 100 runs in Flagger (capped): a warning, an error only under --strict.
out=$("$AVIARY" validate -f step-weight-out-of-range.yaml 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q ': warning: spec.analysis.stepWeight: expected a weight from 1 to 100, found 150'
check "stepWeight 150 is a warning (exit $rc)" $? "$out"
out=$("$AVIARY" validate --strict -f step-weight-out-of-range.yaml 2>/dev/null); rc=$?
[ $rc -eq 1 ] && [ "$out" = "$(cat step-weight-out-of-range.expected)" ]
check "stepWeight 150 is an error under --strict (exit $rc)" $? "$out"

out=$("$AVIARY" validate -o json -f step-weight-negative.yaml 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q '"path": "spec.analysis.stepWeight"' && \
  printf '%s\n' "$out" | grep -q '"status": "invalid"'
check "-o json report (exit $rc)" $? "$out"

out=$("$AVIARY" validate -f - < "$SRC/examples/seed/podinfo-canary.yaml" 2>&1); rc=$?
[ $rc -eq 0 ] && [ "$out" = "ok  Canary test/podinfo" ]
check "stdin (exit $rc)" $? "$out"

out=$("$AVIARY" validate --strict -f "$SRC/examples/local" 2>&1); rc=$?
[ $rc -eq 0 ] && printf '%s\n' "$out" | grep -qx 'ok  Workload test/podinfo' && \
  printf '%s\n' "$out" | grep -qx 'ok  Workload test/flagger-loadtester' && \
  printf '%s\n' "$out" | grep -qx 'ok  Canary test/podinfo' && \
  printf '%s\n' "$out" | grep -qx 'ok  MetricTemplate istio-system/not-found-percentage'
check "examples/local validates with --strict (exit $rc)" $? "$out"

out=$(sed 's/name: podinfo$/name: podinfo-typo/' "$SRC/examples/local/podinfo.yaml" | "$AVIARY" validate -f - -f "$SRC/examples/local/canary.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q 'spec.targetRef.name: expected the name of a Workload in namespace "test"'
check "a Canary whose Workload is not among the given ones (exit $rc)" $? "$out"

out=$("$AVIARY" validate -f /nonexistent/aviary.yaml 2>&1); rc=$?
[ $rc -eq 2 ]
check "unreadable input exits 2 (exit $rc)" $? "$out"

out=$(printf '# only a comment\n' | "$AVIARY" validate -f - 2>&1); rc=$?
[ $rc -eq 2 ]
check "no resources at all exits 2 (exit $rc)" $? "$out"

[ $fails -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
