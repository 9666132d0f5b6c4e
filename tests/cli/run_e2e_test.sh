#!/usr/bin/env bash
# `aviary run DIR` end to end: the seed's workloads start and the canary initializes; `aviary
# status` shows it (table, describe, json); an invalid manifest dropped into DIR mid-run, and the
# Canary's own file broken mid-rollout, are reported with file:line:col and change nothing; SIGTERM mid-analysis exits 0 within the bound,
# with the status written to the state directory, and leaves no process behind.
set -euo pipefail
AVIARY=$1
SRC=$2
work=$(mktemp -d /tmp/aviary-run-e2e-XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; echo "--- aviary run output:"; cat "$work/out" || true; exit 1; }
mkdir -p "$work/dir"
cp "$SRC"/examples/local/{podinfo,loadtester,canary,metrics-404}.yaml "$work/dir/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$AVIARY" run "$work/dir" --state-dir "$work/state" --port "$port" --time-scale 0.05 --min-interval 1s \
  --scrape-interval 1s > "$work/out" 2>&1 &
pid=$!
status() { "$AVIARY" status --server "http://127.0.0.1:$port" "$@"; }
wait_for() {  # wait_for SECONDS COMMAND...: bounded poll
  local end=$((SECONDS + $1)); shift
  until "$@" > /dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.5; done
}
wait_for 60 sh -c "\"$AVIARY\" status --server http://127.0.0.1:$port podinfo -n test -o json | grep -q '\"phase\": \"Initialized\"'" \
  || fail "canary not Initialized within 60 s"
status | grep -E "^test +podinfo +Initialized +0 " || fail "table: $(status)"
status podinfo -n test | grep -q "Initialization done! podinfo.test" || fail "describe: $(status podinfo -n test)"
# An invalid file: reported, ignored, nothing else disturbed.
printf 'apiVersion: flagger.app/v1beta1\nkind: Canary\nmetadata: {name: broken, namespace: test}\nspec:\n  targetRef: {kind: Workload, name: nope}\n  analysis: {interval: 1m, threshold: five}\n' > "$work/dir/broken.yaml"
wait_for 10 grep -q "broken.yaml:6:" "$work/out" || fail "no file:line error for broken.yaml"
status podinfo -n test -o json | grep -q '"phase": "Initialized"' || fail "the running canary was disturbed"
if status broken -n test > /dev/null 2>&1; then fail "the invalid canary was applied"; fi
# A release, then SIGTERM mid-analysis.
sed -i 's/version: "3.1.0"/version: "3.1.1"/' "$work/dir/podinfo.yaml"
wait_for 60 sh -c "\"$AVIARY\" status --server http://127.0.0.1:$port podinfo -n test -o json | grep -q '\"phase\": \"Progressing\"'" \
  || fail "no analysis started"
# Mid-rollout, the Canary's own file is broken by an edit: reported with file:line, the last valid
# Canary goes on (the weight still advances), the broken one is not applied.
weight() { status podinfo -n test -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"].get("canaryWeight", 0))'; }
cp "$work/dir/canary.yaml" "$work/canary.good"
sed -i 's/threshold: 5/threshold: five/' "$work/dir/canary.yaml"
wait_for 10 grep -q "canary.yaml:[0-9]*:[0-9]*: .*threshold" "$work/out" || fail "no file:line error for the broken canary.yaml"
w0=$(weight)
wait_for 30 sh -c "[ \$(\"$AVIARY\" status --server http://127.0.0.1:$port podinfo -n test -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"status\"].get(\"canaryWeight\", 0))') -gt $w0 ]" \
  || fail "the analysis stopped advancing after canary.yaml broke (weight $w0, phase $(status podinfo -n test -o json | grep -o '"phase": "[A-Za-z]*"'))"
status podinfo -n test -o json | grep -q '"phase": "Progressing"' || fail "the running analysis was disturbed"
cp "$work/canary.good" "$work/dir/canary.yaml"
kill -TERM "$pid"
start=$SECONDS
rc=0; wait "$pid" || rc=$?
pid=""
[ "$rc" -eq 0 ] || fail "exit status $rc after SIGTERM"
[ $((SECONDS - start)) -le 40 ] || fail "took $((SECONDS - start)) s to stop"
grep -q '"phase": "Progressing"' "$work/state/canaries/test_podinfo.json" || fail "status not in the state dir"
sleep 0.5
for p in /proc/[0-9]*; do
  if readlink "$p/cwd" 2>/dev/null | grep -q "$work"; then fail "process left: $(tr '\0' ' ' < "$p/cmdline")"; fi
done
echo PASS
