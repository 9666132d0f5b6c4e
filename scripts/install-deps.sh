#!/usr/bin/env bash
# Installs the Debian 12 packages Aviary needs to build, test and benchmark.
# Idempotent: when everything is present it only checks with dpkg and exits (well under a second).
# Uses sudo when not root. Lists what it installs.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config ccache clang libclang-rt-14-dev
  # libraries
  libboost-dev libboost-system-dev libcurl4-openssl-dev libssl-dev libyaml-dev nlohmann-json3-dev
  libspdlog-dev libfmt-dev libcli11-dev prometheus-cpp-dev libre2-dev liburing-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # test and benchmark peers
  prometheus nginx haproxy wrk hey curl socat procps iproute2
  # kubectl and the official Kubernetes Python client check `aviary sandbox`
  python3-kubernetes kubectl
  # scripts/check-crd-schema.py: the CRD schemas of deploy/kubernetes checked offline (tests/deploy)
  python3-jsonschema
)

NPM_DIR="${AVIARY_NPM_DIR:-/opt/aviary-npm}"
# npm_into WHAT PACKAGE...: npm install of the packages into NPM_DIR; says so and returns 1 when
# npm is absent or the install fails (WHAT, a test, is then skipped, saying why).
npm_into() {
  local what=$1; shift
  if ! command -v npm >/dev/null; then
    echo "install-deps: npm absent: not installing $* ($what will be skipped)"
    return 1
  fi
  echo "install-deps: installing npm $* into $NPM_DIR"
  mkdir -p "$NPM_DIR"
  npm install --prefix "$NPM_DIR" --no-audit --no-fund --silent "$@" ||
    { echo "install-deps: npm install failed: $what will be skipped"; return 1; }
}

# The schema checks (tests/router/istio/schema_test.sh, tests/platform/kubernetes/render_test.sh)
# validate generated objects with npm @kubernetes-models/istio (the Istio CRD schemas) and
# kubernetes-models (the Kubernetes OpenAPI schemas of Deployments, Services, HPAs, ConfigMaps…),
# as JSON Schema validators; no Debian package has them.
install_npm_models() {
  if [ -f "$NPM_DIR/node_modules/@kubernetes-models/istio/package.json" ] &&
     [ -f "$NPM_DIR/node_modules/kubernetes-models/package.json" ]; then return 0; fi
  npm_into "the schema tests" @kubernetes-models/istio@3.0.1 kubernetes-models@5.1.0 || true
}

# The Grafana dashboards' schema check (tests/deploy/grafana_schema_test.sh): Grafana publishes its
# dashboard model only as TypeScript types (npm @grafana/schema); ts-json-schema-generator turns the
# `Dashboard` type into a strict JSON Schema, checked with python3-jsonschema.
install_grafana_schema() {
  local out="$NPM_DIR/grafana-dashboard.schema.json"
  if [ -f "$out" ]; then return 0; fi
  npm_into "the Grafana schema test" @grafana/schema@13.2.3 ts-json-schema-generator@2.4.0 || return 0
  if "$NPM_DIR/node_modules/.bin/ts-json-schema-generator" --no-type-check --type Dashboard -o "$out.tmp" \
    --path "$NPM_DIR/node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts"; then
    mv "$out.tmp" "$out"
  else
    echo "install-deps: the Grafana dashboard schema could not be made: its test will be skipped"
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  install_npm_models
  install_grafana_schema
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${#missing[@]} package(s): ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# --no-install-recommends keeps prometheus from pulling node-exporter. The packaged services are
# never started (policy-rc.d here, and our tests start private instances on 127.0.0.1).
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_npm_models
install_grafana_schema
echo "install-deps: done"
