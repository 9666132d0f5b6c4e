#!/usr/bin/env bash
# The seed's 404 scenario with a real Prometheus (Debian `prometheus`): the seed's second Canary
# (examples/local-404, its webhooks through the load tester) and its not-found-percentage
# MetricTemplate, `aviary run --metrics-server` pointing at a Prometheus that scrapes the mesh's
# /stats/prometheus every second. Release 3.1.1 answers 404 to a quarter of the requests but not
# to the seed's acceptance test (a POST /token, spared with PODINFO_FAULT_SKIP_PATHS, so that the
# pre-rollout check passes and the analysis reads its metrics): the "404s percentage" check fails
# 5 times and the canary is rolled back; the primary keeps 3.1.0.
source "$(dirname "$0")/e2e_lib.sh"
cp "$SRC"/examples/local/{loadtester,metrics-404}.yaml "$SRC"/examples/local-404/canary.yaml "$work/dir/"
podinfo_workload 3.1.0
prom_port=$(free_port)
TIME_SCALE=0.05 init_run --metrics-server "http://127.0.0.1:$prom_port"
start_prometheus "aviary-mesh /stats/prometheus 127.0.0.1:$(admin_port)"
up() { curl -sf "http://127.0.0.1:$prom_port/api/v1/query?query=up" | grep -q '"value":\[[0-9.]*,"1"\]'; }
wait_for 30 up || fail "Prometheus did not scrape the mesh within 30 s: $(tail -5 "$work/prom/log")"
note "Prometheus on $prom_port scrapes the mesh"
release 3.1.1 "  - {name: PODINFO_FAULT_404_RATIO, value: \"0.25\"}
  - {name: PODINFO_FAULT_SKIP_PATHS, value: /token}"
wait_phase podinfo Failed 90
ev=$(events podinfo)
echo "$ev" | grep -q "Pre-rollout check acceptance-test passed" || fail "acceptance test did not pass: $ev"
echo "$ev" | grep -qE "Halt podinfo.test advancement 404s percentage [0-9.]+ > 5" || fail "no 404s percentage halt: $ev"
echo "$ev" | grep -q "Rolling back podinfo.test failed checks threshold reached 5" || fail "no rollback event: $ev"
echo "$ev" | grep -q "Canary failed! Scaling down podinfo.test" || fail "no 'Canary failed!' event: $ev"
echo "$ev" | grep -q "Promotion" && fail "promoted: $ev"
# The value the analysis read is Prometheus's: ask it the same question.
q='100 - sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload="podinfo",response_code!="404"}[1m])) / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="test",destination_workload="podinfo"}[1m])) * 100'
v=$(curl -s "http://127.0.0.1:$prom_port/api/v1/query" --data-urlencode "query=$q" | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
note "Prometheus: 404s percentage of the canary = $v"
python3 -c "import sys; sys.exit(0 if 10 < float('$v') < 50 else 1)" 2>/dev/null || fail "Prometheus's 404 percentage of the canary is $v, expected about 25"
only_version 3.1.0 http://podinfo.test:9898/ 10
stop_run
check_nothing_left
pass
