#!/usr/bin/env bash
# Rollback on latency: release 3.1.1 with 600 ms added to every answer; the builtin
# request-duration check (P99 <= 500 ms) fails three times (threshold 3) and the canary is rolled back;
# the primary keeps 3.1.0 and serves throughout; nothing is left running.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
canary "    interval: 10s
    threshold: 3
    maxWeight: 50
    stepWeight: 10
    metrics:
    - {name: request-duration, thresholdRange: {max: 500}, interval: 10s}"
init_run
podinfo_workload 3.1.1 "  - {name: PODINFO_FAULT_LATENCY, value: 600ms}"
# Load from the release on (answers 503 until the canary is ready), on the canary and the apex.
load podinfo-canary.test:9898 40 10
load podinfo.test:9898 40 5
wait_phase podinfo Progressing 20
wait_phase podinfo Failed 40
ev=$(events podinfo)
echo "$ev" | grep -q "Halt podinfo.test advancement request duration" || fail "no request-duration halt event: $ev"
echo "$ev" | grep -q "Rolling back podinfo.test failed checks threshold reached 3" || fail "no rollback event: $ev"
echo "$ev" | grep -q "Canary failed! Scaling down podinfo.test" || fail "no 'Canary failed!' event: $ev"
[ "$(field podinfo "c['status']['canaryWeight']")" = 0 ] || fail "canary weight not 0 after rollback"
for i in $(seq 1 10); do
  v=$(version_via podinfo.test:9898 /)
  [ "$v" = 3.1.0 ] || fail "request $i through the apex answered by version $v after rollback"
done
echo "$ev" | grep -q "Promotion" && fail "promoted: $ev"
stop_run
check_nothing_left
pass
