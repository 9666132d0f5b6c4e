#!/usr/bin/env bash
# A/B testing by header and by cookie (analysis.match): during the analysis, requests through the
# apex with `x-canary: insider` or the cookie `canary=always` reach the canary (3.1.1), all others
# the primary (3.1.0); after the iterations 3.1.1 is promoted and every request gets it.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
canary "    interval: 10s
    threshold: 5
    iterations: 8
    match:
    - headers: {x-canary: {exact: insider}}
    - headers: {cookie: {regex: '^(.*?;)?(canary=always)(;.*)?\$'}}
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}"
init_run
release 3.1.1
load podinfo-canary.test:9898 40 10
wait_started podinfo 20
note "checking the routing during the analysis"
u=http://podinfo.test:9898/
only_version 3.1.1 $u 10 'x-canary: insider'
only_version 3.1.1 $u 10 'Cookie: canary=always'
only_version 3.1.1 $u 10 'Cookie: a=1;canary=always'
only_version 3.1.0 $u 20
only_version 3.1.0 $u 10 'x-canary: outsider'
only_version 3.1.0 $u 10 'Cookie: canary=never'
phase_is podinfo Progressing || fail "the analysis ended before the routing was checked (phase $(field podinfo "c['status']['phase']"))"
wait_phase podinfo Succeeded 60
ev=$(events podinfo)
echo "$ev" | grep -q "Advance podinfo.test canary iteration 8/8" || fail "no iteration 10/10 event: $ev"
echo "$ev" | grep -q "Promotion completed! Scaling down podinfo.test" || fail "no promotion event: $ev"
only_version 3.1.1 $u 10
only_version 3.1.1 $u 10 'x-canary: insider'
stop_run
check_nothing_left
pass
