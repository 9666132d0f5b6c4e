#!/usr/bin/env bash
# `aviary demo` end to end with plain (non-terminal) output: exit 0, the seed's events in order for
# the promotion, the rollback events for the faulty release, and nothing left running or listening.
set -euo pipefail
AVIARY=$1
SRC=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
(cd "$SRC" && timeout 400 "$AVIARY" demo) > "$out" 2>&1 < /dev/null
rc=$?
set -e
cat "$out"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" -eq 0 ] || fail "aviary demo exited $rc"
# The seed's events, in this order (other lines may come between them).
expected=(
  "Initialization done! podinfo.test"
  "New revision detected! Scaling up podinfo.test"
  "Starting canary analysis for podinfo.test"
  "Pre-rollout check acceptance-test passed"
  "Advance podinfo.test canary weight 10"
  "Advance podinfo.test canary weight 20"
  "Advance podinfo.test canary weight 30"
  "Advance podinfo.test canary weight 40"
  "Advance podinfo.test canary weight 50"
  "Promotion completed! Scaling down podinfo.test"
  "New revision detected! Scaling up podinfo.test"
  "Rolling back podinfo.test failed checks threshold reached 5"
  "Canary failed! Scaling down podinfo.test"
)
line=0
for e in "${expected[@]}"; do
  n=$(tail -n +"$((line + 1))" "$out" | grep -nF -- "$e" | head -1 | cut -d: -f1 || true)
  [ -n "$n" ] || fail "event not found (in order): $e"
  line=$((line + n))
done
grep -q "verdict: the story went as it should" "$out" || fail "no success verdict"
# Nothing left behind: no process working in the demo's directory, none of its ports listening.
sleep 1
for p in /proc/[0-9]*; do
  if readlink "$p/cwd" 2>/dev/null | grep -q "/aviary-demo-"; then fail "process left: $(tr '\0' ' ' < "$p/cmdline")"; fi
done
for port in $(grep -o "127\.0\.0\.1:[0-9]*" "$out" | cut -d: -f2 | sort -u); do
  if ss -ltnH "sport = :$port" | grep -q .; then fail "port $port still listening"; fi
done
echo "PASS"
