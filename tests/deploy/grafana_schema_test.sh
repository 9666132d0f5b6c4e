#!/usr/bin/env bash
# deploy/grafana: the dashboards against the JSON Schema that scripts/install-deps.sh generates
# from Grafana's own dashboard types (npm @grafana/schema, through ts-json-schema-generator; strict:
# an unknown or misspelt field is an error), plus the structural checks of
# scripts/check-grafana-dashboards.py; the provisioning files parse and point where docs/grafana.md
# says. A negative control first: a dashboard with a misspelt field must be refused.
# Exit 77 (CTest: skipped) with the reason printed when npm could not install the schema.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
schema="${AVIARY_NPM_DIR:-/opt/aviary-npm}/grafana-dashboard.schema.json"
if [ ! -f "$schema" ]; then
  echo "SKIPPED: $schema is absent (scripts/install-deps.sh generates it when npm is available)"
  exit 77
fi
work=$(mktemp -d /tmp/aviary-grafana-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$src/deploy/grafana/dashboards/aviary-canary.json" "$work/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["panels"][0]["gridPoss"] = d["panels"][0].pop("gridPos")
json.dump(d, open(sys.argv[2], "w"))
PY
if python3 "$src/scripts/check-grafana-dashboards.py" "$work" --schema "$schema" > "$work/out" 2>&1; then
  echo "FAIL: a dashboard with a misspelt field (gridPoss) passed:"; cat "$work/out"; exit 1
fi
grep -q "gridPoss" "$work/out" || { echo "FAIL: the misspelt field is not named:"; cat "$work/out"; exit 1; }
python3 "$src/scripts/check-grafana-dashboards.py" "$src/deploy/grafana/dashboards" --schema "$schema"
python3 - "$src/deploy/grafana/provisioning" <<'PY'
import sys, yaml
base = sys.argv[1]
d = yaml.safe_load(open(f"{base}/dashboards/aviary.yaml"))
assert d["apiVersion"] == 1 and d["providers"][0]["type"] == "file", d
assert d["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards/aviary", d
s = yaml.safe_load(open(f"{base}/datasources/aviary.yaml"))
assert s["apiVersion"] == 1 and all(x["type"] == "prometheus" for x in s["datasources"]), s
print("provisioning files ok")
PY
echo PASS
