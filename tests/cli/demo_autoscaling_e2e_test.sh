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
[ "$rc" -eq 0 ] || fail "aviary demo --autoscaling exited $rc"
expected=(
  "Initialization done! podinfo.test"
  "New revision detected! Scaling up podinfo.test"
  "Advance podinfo.test canary weight 30"
  "Promotion completed! Scaling down podinfo.test"
)
line=0
for e in "${expected[@]}"; do
  n=$(tail -n +"$((line + 1))" "$out" | grep -nF -- "$e" | head -1 | cut -d: -f1 || true)
  [ -n "$n" ] || fail "event not found (in order): $e"
  line=$((line + n))
done
grep -qE "^HorizontalPodAutoscaler test/podinfo-total: New size: [0-9]+; reason: " "$out" || fail "the canary's HPA never rescaled"
grep -qE "^HorizontalPodAutoscaler test/podinfo-total-primary: New size: 5; reason: " "$out" ||
  fail "the primary's HPA never scaled the primary to 5"
grep -qF "verdict: the story went as it should" "$out" || fail "no verdict"
if grep -q "Canary failed" "$out"; then fail "the release was rolled back"; fi
# Nothing left behind: no process working in this demo's directory, none of its ports listening.
dir=$(grep -o "state in /tmp/aviary-demo-[A-Za-z0-9]*/" "$out" | head -1 | cut -d' ' -f3 | sed 's:/$::')
[ -n "$dir" ] || fail "the demo's output does not name its directory"
sleep 1
for p in /proc/[0-9]*; do
  if readlink "$p/cwd" 2>/dev/null | grep -qF "$dir"; then fail "process left: $(tr '\0' ' ' < "$p/cmdline")"; fi
done
for port in $(grep -o "127\.0\.0\.1:[0-9]*" "$out" | cut -d: -f2 | sort -u); do
  if ss -ltnH "sport = :$port" | grep -q .; then fail "port $port still listening"; fi
done
echo PASS
