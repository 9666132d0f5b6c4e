#!/usr/bin/env bash
# Session affinity (sessionAffinity.cookieName): a client that keeps its cookies and once got the
# canary (3.1.1, with Set-Cookie flagger-cookie=…) keeps getting it for every later request while
# the weights move, and a client without cookies keeps getting both versions; then promotion.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
canary "    interval: 20s
    threshold: 5
    stepWeights: [20, 30, 40, 50]
    sessionAffinity: {cookieName: flagger-cookie, maxAge: 3600}
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}"
init_run
release 3.1.1
load podinfo-canary.test:9898 60 10
wait_started podinfo 20
note "a client with a cookie jar until it meets the canary"
jar="$work/cookies"
ask() { curl -s -m 5 -x "http://127.0.0.1:$mesh_port" -b "$jar" -c "$jar" -D "$work/headers" http://podinfo.test:9898/ |
          grep -o '"version": *"[^"]*"' | cut -d'"' -f4 || echo "?"; }
first=""
for i in $(seq 1 40); do
  if [ "$(ask)" = 3.1.1 ]; then first=$i; break; fi
done
[ -n "$first" ] || fail "40 requests at weight >= 20 never reached the canary"
grep -qi '^set-cookie: flagger-cookie=.*Max-Age=3600' "$work/headers" || fail "the canary's answer set no flagger-cookie with Max-Age=3600: $(cat "$work/headers")"
note "canary reached at request $first; 30 more with its cookie"
for i in $(seq 1 30); do
  v=$(ask)
  [ "$v" = 3.1.1 ] || fail "request $i with the canary cookie answered by $v (cookies: $(grep -v '^#' "$jar"))"
done
w=$(field podinfo "c['status']['canaryWeight']")
phase_is podinfo Progressing && [ "$w" -gt 0 ] && [ "$w" -lt 100 ] || fail "the analysis moved on before stickiness was checked (weight $w)"
got=$(versions http://podinfo.test:9898/ 40)
echo "$got" | grep -q "^3.1.0 " && echo "$got" | grep -q "^3.1.1 " || fail "a client without cookies did not get both versions at weight $w: $got"
wait_phase podinfo Succeeded 60
events podinfo | grep -q "Promotion completed! Scaling down podinfo.test" || fail "no promotion event"
stop_run
check_nothing_left
pass
