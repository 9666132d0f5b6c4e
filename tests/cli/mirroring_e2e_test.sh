#!/usr/bin/env bash
# Blue/green with traffic mirroring (mirror: true, mirrorWeight: 50): during the analysis every
# answer through the apex comes from the primary (3.1.0) while the canary's request counter in the
# mesh's telemetry grows with the mirrored copies; after the iterations 3.1.1 is promoted.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
canary "    interval: 10s
    threshold: 5
    iterations: 8
    mirror: true
    mirrorWeight: 50
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}"
init_run
release 3.1.1
# Users' traffic on the apex only: whatever reaches the canary is mirrored.
load podinfo.test:9898 40 10
wait_started podinfo 20
note "checking mirroring during the analysis"
before=$(requests_to podinfo)
only_version 3.1.0 http://podinfo.test:9898/ 40
after=$(requests_to podinfo)
note "canary requests (mirrored) $before -> $after"
[ $((after - before)) -ge 10 ] || fail "the canary received $((after - before)) mirrored requests while 40 went through the apex"
phase_is podinfo Progressing || fail "the analysis ended before mirroring was checked"
wait_phase podinfo Succeeded 60
ev=$(events podinfo)
echo "$ev" | grep -q "Advance podinfo.test canary iteration 8/8" || fail "no iteration 8/8 event: $ev"
echo "$ev" | grep -q "Promotion completed! Scaling down podinfo.test" || fail "no promotion event: $ev"
only_version 3.1.1 http://podinfo.test:9898/ 10
stop_run
check_nothing_left
pass
