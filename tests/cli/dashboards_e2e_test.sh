#!/usr/bin/env bash
# The Grafana dashboards of deploy/grafana against a local rollout, as Grafana would run them: a
# promotion (3.1.1) and then a rollback (3.1.2 answers 600 ms late) under load through the apex,
# with an event webhook and a Slack AlertProvider that nobody answers (so that the webhook and
# notifier failure panels have something to show). Then every variable and every panel query of
# both dashboards must return data from the embedded metrics API (which scrapes the mesh and the
# controller's /metrics) and from a real Prometheus (Debian `prometheus`) scraping the same two.
# (Their JSON Schema check is tests/deploy/grafana_schema_test.sh.)
source "$(dirname "$0")/e2e_lib.sh"
check="$SRC/scripts/check-grafana-dashboards.py"
dashboards="$SRC/deploy/grafana/dashboards"
dead=$(free_port)  # nothing listens there
cat > "$work/dir/alerts.yaml" <<EOC
apiVersion: flagger.app/v1beta1
kind: AlertProvider
metadata: {name: on-call, namespace: test}
spec: {type: slack, channel: on-call, address: "http://127.0.0.1:$dead/slack"}
EOC
podinfo_workload 3.1.0
canary "    interval: 10s
    threshold: 2
    maxWeight: 50
    stepWeight: 25
    alerts:
    - {name: on-call, severity: info, providerRef: {name: on-call}}
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}
    - {name: request-duration, thresholdRange: {max: 500}, interval: 10s}
    webhooks:
    - {name: audit, type: event, url: \"http://127.0.0.1:$dead/audit\", timeout: 1s}"
init_run
embedded=$(grep -o 'metrics (Prometheus API) on http://127.0.0.1:[0-9]*' "$work/out" | tail -1 | grep -o 'http://.*')
[ -n "$embedded" ] || fail "no embedded metrics URL in the output"
start_prometheus "aviary-proxy /stats/prometheus 127.0.0.1:$(admin_port)" "aviary-controller /metrics 127.0.0.1:$port"
load podinfo.test:9898 60 20
release 3.1.1
wait_phase podinfo Succeeded 60
release 3.1.2 "  - {name: PODINFO_FAULT_LATENCY, value: 600ms}"
wait_phase podinfo Failed 60
sleep 3  # three more scrapes of both after the rollback
for api in "$embedded" "http://127.0.0.1:$prom_port"; do
  note "every panel of the dashboards against $api"
  python3 "$check" "$dashboards" --prometheus "$api" --var namespace=test --var target=podinfo \
    --rate-interval 10s --range 120 > "$work/check.out" 2>&1 || { cat "$work/check.out"; fail "dashboards against $api"; }
  grep -c '^ok' "$work/check.out" | xargs echo "  queries with data:"
done
# The negative control: a misspelt metric in one panel is reported as that panel without data.
mkdir -p "$work/bad"
sed 's/aviary_ticks_total/aviary_tick_total/' "$dashboards/aviary-controller.json" > "$work/bad/aviary-controller.json"
if python3 "$check" "$work/bad" --prometheus "$embedded" --var namespace=test --var target=podinfo > "$work/check.out" 2>&1; then
  fail "a panel on a misspelt metric passed"
fi
grep -q "^FAIL .*'Ticks per second'.*aviary_tick_total.*no data" "$work/check.out" || { cat "$work/check.out"; fail "the misspelt metric's panel is not named"; }
stop_run
check_nothing_left
pass
