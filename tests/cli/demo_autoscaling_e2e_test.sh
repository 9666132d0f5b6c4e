#!/usr/bin/env bash
# `aviary demo --autoscaling` end to end with plain output (docs/demo.md): exit 0 (the canary
# reached 4 replicas at 30 %, 3.1.1 was promoted, the primary ended at its HPA's 5 replicas with
# the canary at 0), the seed's promotion events in order, the HPAs' rescale lines, and nothing left
# running or listening.
set -euo pipefail
AVIARY=$1
SRC=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
(cd "$SRC" && timeout 300 "$AVIARY" demo --autoscaling) > "$out" 2>&1 < /dev/null
rc=$?
set -e
cat "$out"
fail() { echo "FAIL: $*"; exit 1; }
source "$(dirname "$0")/demo_lib.sh"
[ "$rc" -eq 0 ] || fail "aviary demo --autoscaling exited $rc"
expected=(
  "Initialization done! podinfo.test"
  "New revision detected! Scaling up podinfo.test"
  "Advance podinfo.test canary weight 30"
  "Promotion completed! Scaling down podinfo.test"
)
in_order "$out" "${expected[@]}"
grep -qE "^HorizontalPodAutoscaler test/podinfo-total: New size: [0-9]+; reason: " "$out" || fail "the canary's HPA never rescaled"
grep -qE "^HorizontalPodAutoscaler test/podinfo-total-primary: New size: 5; reason: " "$out" ||
  fail "the primary's HPA never scaled the primary to 5"
grep -qF "verdict: the story went as it should" "$out" || fail "no verdict"
if grep -q "Canary failed" "$out"; then fail "the release was rolled back"; fi
nothing_left "$out"
echo PASS
