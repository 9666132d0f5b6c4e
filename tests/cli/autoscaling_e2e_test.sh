#!/usr/bin/env bash
# Autoscaling during a rollout (issue 22, the seed's second part): an HPA `podinfo-total` (1–5
# replicas, 10 requests/s per replica on the mesh's Istio request metric) is the Canary's
# autoscalerRef and is cloned for the primary. Under 120 requests/s through the apex, the canary
# reaches 4 replicas at 30 % weight (36 requests/s) during the analysis; after the promotion the
# canary is at 0, and when the test lowers the load to 30 requests/s the primary's own HPA
# (podinfo-total-primary) scales the primary down to 3.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
# The example's HPA, with a 2 s scale-down window so that the primary's HPA answers a lower load at once.
{ cat "$SRC/examples/local-autoscaling/podinfo-total.yaml"; printf '  behavior:\n    scaleDown: {stabilizationWindowSeconds: 2}\n'; } > "$work/dir/hpa.yaml"
canary "    interval: 10s
    threshold: 5
    stepWeight: 10
    maxWeight: 30" "  autoscalerRef: {apiVersion: autoscaling/v2, kind: HorizontalPodAutoscaler, name: podinfo-total}"
TIME_SCALE=0.6 init_run --hpa-sync-period 1.5s --hpa-rate-window 5s
hpa_json() { curl -sf "http://127.0.0.1:$port/api/v1/horizontalpodautoscalers"; }
# desired SET: the desired replicas of replica set test/SET ("" when unknown).
desired() {
  curl -sf "http://127.0.0.1:$port/api/v1/replicasets" |
    python3 -c "import json,sys; print(next((s['desired'] for s in json.load(sys.stdin)['items'] if s['name']=='$1' and s['namespace']=='test'), ''))" 2>/dev/null || true
}
hpa_target() { hpa_json | python3 -c "import json,sys; print(next((h['spec']['scaleTargetRef']['name'] for h in json.load(sys.stdin)['items'] if h['metadata']['name']=='$1'), ''))" 2>/dev/null || true; }
hpa_target_is() { [ "$(hpa_target "$1")" = "$2" ]; }
desired_is() { [ "$(desired "$1")" = "$2" ]; }
note "the primary's HPA is the clone"
wait_for 10 hpa_target_is podinfo-total-primary podinfo-primary || fail "no podinfo-total-primary scaling podinfo-primary: $(hpa_json)"
load podinfo.test:9898 120 60
release 3.1.1
note "watching the canary's replicas during the analysis"
max=0
end=$((SECONDS + 60))
while [ $SECONDS -lt $end ] && phase_is podinfo Progressing; do
  w=$(field podinfo "c['status'].get('canaryWeight',0)")
  d=$(desired podinfo)
  if [ "$w" = 30 ] && [ -n "$d" ] && [ "$d" -gt "$max" ]; then max=$d; note "canary at 30 %: $d replicas"; fi
  sleep 0.3
done
[ "$max" -ge 4 ] && [ "$max" -le 5 ] || fail "the canary had $max replicas at 30 % (expected 4): $(hpa_json)"
wait_phase podinfo Succeeded 40
[ "$(desired podinfo)" = 0 ] || fail "the canary is not scaled to zero after the promotion: $(desired podinfo)"
note "primary at $(desired podinfo-primary) replicas; lowering the load to 30 requests/s"
stop_loads
load podinfo.test:9898 60 15
wait_for 25 desired_is podinfo-primary 3 || fail "the primary's HPA did not scale it to 3 (now $(desired podinfo-primary)): $(hpa_json)"
only_version 3.1.1 http://podinfo.test:9898/ 10
stop_run
check_nothing_left
pass
