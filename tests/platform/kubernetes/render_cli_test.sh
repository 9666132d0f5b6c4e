#!/usr/bin/env bash
# `aviary render` as a user runs it (the binary, the repository's files):
#   schema   every object rendered for the seed and the strategy variants validates against the
#            Kubernetes schemas (npm kubernetes-models) and Istio's (@kubernetes-models/istio)
#   kubectl  on `aviary sandbox` with Istio's CRDs (kubectl needs a server's discovery even for a
#            client dry run): `kubectl apply --dry-run=client --validate=false -f -` accepts `-o json`
#            of every case and `-o yaml`; then a real apply creates every object and the
#            VirtualService read back is the rendered one; with KEDA's CRD, the primary
#            ScaledObject of testdata/keda-canary.yaml is applied and read back the same
#   errors   bad input: exit 1, every problem on stderr as FILE:LINE:COL, nothing on stdout
# Usage: render_cli_test.sh AVIARY_BINARY MODE. Exit 77 (CTest: skipped) with the reason printed
# when a tool the mode needs is absent.
set -euo pipefail
aviary="$1"
mode="$2"
root="$(cd "$(dirname "$0")/../../.." && pwd)"
seed=(-f "$root/examples/seed/podinfo-canary.yaml" -f "$root/tests/platform/kubernetes/testdata/podinfo.yaml"
      -f "$root/examples/seed/podinfo-hpa.yaml")
istio="$root/tests/router/istio/testdata"
uid=(--canary-uid 5c3b1b5e-0000-4000-8000-000000000000)
tmp="$(mktemp -d /tmp/aviary-render-test-XXXXXX)"
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# Every case: the seed at 0/10/50/promoted, and each variant where its strategy is visible.
render_all() {
  "$aviary" render "${seed[@]}" "${uid[@]}" -o json >"$tmp/seed-0.json"
  "$aviary" render "${seed[@]}" "${uid[@]}" --canary-weight 10 -o json >"$tmp/seed-10.json"
  "$aviary" render "${seed[@]}" "${uid[@]}" --canary-weight 50 -o json >"$tmp/seed-50.json"
  "$aviary" render "${seed[@]}" "${uid[@]}" --phase Succeeded -o json >"$tmp/seed-promoted.json"
  local pod="$root/tests/platform/kubernetes/testdata/podinfo.yaml"
  "$aviary" render -f "$istio/ab-canary.yaml" -f "$pod" --canary-weight 100 -o json >"$tmp/ab.json"
  "$aviary" render -f "$istio/bluegreen-canary.yaml" -f "$pod" --mirror -o json >"$tmp/bluegreen.json"
  "$aviary" render -f "$istio/mirror-canary.yaml" -f "$pod" --mirror -o json >"$tmp/mirror.json"
  "$aviary" render -f "$istio/affinity-canary.yaml" -f "$pod" --canary-weight 10 -o json >"$tmp/affinity.json"
  "$aviary" render -f "$root/tests/platform/kubernetes/testdata/service-canary.yaml" --canary-weight 20 -o json \
    >"$tmp/service-target.json"
}

case "$mode" in
schema)
  modules="${AVIARY_NPM_DIR:-/opt/aviary-npm}/node_modules"
  if ! command -v node >/dev/null; then
    echo "SKIPPED: node is not installed (scripts/install-deps.sh installs the schema check only with npm)"
    exit 77
  fi
  for p in kubernetes-models @kubernetes-models/istio; do
    if [ ! -f "$modules/$p/package.json" ]; then
      echo "SKIPPED: $modules/$p is absent (run scripts/install-deps.sh with npm available)"
      exit 77
    fi
  done
  render_all
  node "$root/tests/router/istio/schema_check.mjs" "$modules" "$tmp"/*.json | tee "$tmp/schema.log"
  # Every kind render writes was checked (a kind the checker does not know fails it).
  for k in ConfigMap Deployment HorizontalPodAutoscaler Service VirtualService DestinationRule; do
    grep -q ": $k/.*: valid$" "$tmp/schema.log" || { echo "no $k was checked" >&2; exit 1; }
  done
  ;;
kubectl)
  if ! command -v kubectl >/dev/null; then
    echo "SKIPPED: kubectl is not installed"
    exit 77
  fi
  render_all
  # kubectl maps kinds to resources through the server's discovery even for a client dry run
  # (without a server it stops at "couldn't get current server API group list"), so the dry run
  # runs against `aviary sandbox` with Istio's CRDs: it sends no object, only discovery requests.
  "$aviary" sandbox --kubeconfig "$tmp/sandbox.kubeconfig" >"$tmp/sandbox.log" 2>&1 &
  sandbox_pid=$!
  for _ in $(seq 1 200); do
    grep -q "serving https://127.0.0.1:" "$tmp/sandbox.log" && [ -s "$tmp/sandbox.kubeconfig" ] && break
    sleep 0.05
  done
  export KUBECONFIG="$tmp/sandbox.kubeconfig"
  kubectl apply -f "$root/tests/platform/kubernetes/testdata/istio-crds.yaml" >/dev/null
  echo '{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "test"}}' | kubectl apply -f - >/dev/null
  # Every case's List in one kubectl run (each kubectl start pays for discovery).
  python3 - "$tmp"/*.json >"$tmp/all.json" <<'PY'
import json, sys
items = [o for f in sys.argv[1:] for o in json.load(open(f))["items"]]
json.dump({"apiVersion": "v1", "kind": "List", "items": items}, sys.stdout)
PY
  n="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$tmp/all.json")"
  out="$(kubectl apply --dry-run=client --validate=false -f - <"$tmp/all.json")"
  [ "$(grep -c 'created (dry run)' <<<"$out")" -eq "$n" ] || { echo "kubectl said:"; echo "$out"; exit 1; } >&2
  "$aviary" render "${seed[@]}" "${uid[@]}" --canary-weight 10 >"$tmp/seed-10.yaml"
  out="$(kubectl apply --dry-run=client --validate=false -f "$tmp/seed-10.yaml")"
  [ "$(grep -c 'created (dry run)' <<<"$out")" -eq 9 ] || { echo "yaml: kubectl said:"; echo "$out"; exit 1; } >&2
  [ -z "$(kubectl get deployments,services,hpa,configmaps -n test -o name 2>/dev/null | grep podinfo || true)" ] ||
    { echo "a dry run created objects" >&2; exit 1; }
  echo "kubectl apply --dry-run=client accepted every rendered List and the YAML stream"
  # Then for real: the sandbox stores every object and gives the VirtualService back unchanged.
  kubectl apply --validate=false -f "$tmp/seed-10.json"
  kubectl -n test get virtualservice podinfo -o json >"$tmp/vs.json"
  python3 - "$tmp/seed-10.json" "$tmp/vs.json" <<'PY'
import json, sys
rendered = next(o for o in json.load(open(sys.argv[1]))["items"] if o["kind"] == "VirtualService")
stored = json.load(open(sys.argv[2]))
assert stored["spec"] == rendered["spec"], (stored["spec"], rendered["spec"])
weights = [d["weight"] for d in stored["spec"]["http"][0]["route"]]
assert weights == [90, 10], weights
print("the sandbox stored the rendered VirtualService (weights 90/10)")
PY
  for o in deployment/podinfo-primary hpa/podinfo-primary service/podinfo service/podinfo-primary \
           service/podinfo-canary configmap/podinfo-config-primary destinationrule/podinfo-canary \
           destinationrule/podinfo-primary; do
    kubectl -n test get "$o" -o name
  done
  # A KEDA ScaledObject autoscalerRef: with KEDA's CRD (a reduced copy) the sandbox stores the
  # rendered primary ScaledObject as rendered.
  kubectl apply -f "$root/tests/platform/kubernetes/testdata/keda-crds.yaml" >/dev/null
  "$aviary" render -f "$root/tests/platform/kubernetes/testdata/keda-canary.yaml" \
    -f "$root/tests/platform/kubernetes/testdata/podinfo.yaml" "${uid[@]}" -o json >"$tmp/keda.json"
  out="$(kubectl apply --validate=false -f "$tmp/keda.json")"
  grep -q '^scaledobject.keda.sh/podinfo-so-primary created' <<<"$out" || { echo "kubectl said:"; echo "$out"; exit 1; } >&2
  kubectl -n test get scaledobject podinfo-so-primary -o json >"$tmp/so.json"
  python3 - "$tmp/keda.json" "$tmp/so.json" <<'PY'
import json, sys
rendered = next(o for o in json.load(open(sys.argv[1]))["items"] if o["kind"] == "ScaledObject")
stored = json.load(open(sys.argv[2]))
assert stored["spec"] == rendered["spec"], (stored["spec"], rendered["spec"])
assert stored["spec"]["scaleTargetRef"]["name"] == "podinfo-primary", stored["spec"]
print("the sandbox stored the rendered primary ScaledObject")
PY
  ;;
errors)
  bad="$tmp/bad.yaml"
  printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: podinfo\n  namespace: test\nspec:\n  selector:\n    matchLabels:\n      role: web\n' >"$bad"
  set +e
  "$aviary" render -f "$root/examples/seed/podinfo-canary.yaml" -f "$bad" --phase Done >"$tmp/out" 2>"$tmp/err"
  rc=$?
  set -e
  cat "$tmp/err"
  [ "$rc" -eq 1 ] || { echo "exit $rc, want 1" >&2; exit 1; }
  [ ! -s "$tmp/out" ] || { echo "stdout not empty:" >&2; cat "$tmp/out" >&2; exit 1; }
  grep -q -- "^--phase: expected one of Initialized, Progressing" "$tmp/err"
  grep -q "^$bad:9:7: spec.selector.matchLabels: expected one of the selector labels" "$tmp/err"
  grep -q "podinfo-canary.yaml:[0-9]*:[0-9]*: spec.autoscalerRef.name: expected the HorizontalPodAutoscaler test/podinfo among the inputs" "$tmp/err"
  grep -q "^aviary render: 3 problems; nothing printed" "$tmp/err"
  ;;
*)
  echo "unknown mode $mode" >&2
  exit 2
  ;;
esac
