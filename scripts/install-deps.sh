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

# The schema checks (tests/router/istio/schema_test.sh, tests/platform/kubernetes/render_test.sh)
# validate generated objects with npm @kubernetes-models/istio (the Istio CRD schemas) and
# kubernetes-models (the Kubernetes OpenAPI schemas of Deployments, Services, HPAs, ConfigMaps…),
# as JSON Schema validators; no Debian package has them. Installed into AVIARY_NPM_DIR when npm is
# there; otherwise those tests are skipped, saying why.
install_npm_models() {
  local dir="${AVIARY_NPM_DIR:-/opt/aviary-npm}"
  if [ -f "$dir/node_modules/@kubernetes-models/istio/package.json" ] &&
     [ -f "$dir/node_modules/kubernetes-models/package.json" ]; then return 0; fi
  if ! command -v npm >/dev/null; then
    echo "install-deps: npm absent: not installing the schema packages (the schema tests will be skipped)"
    return 0
  fi
  echo "install-deps: installing npm @kubernetes-models/istio@3.0.1 and kubernetes-models@5.1.0 into $dir"
  mkdir -p "$dir"
  if ! npm install --prefix "$dir" --no-audit --no-fund --silent @kubernetes-models/istio@3.0.1 kubernetes-models@5.1.0; then
    echo "install-deps: npm install failed: the schema tests will be skipped"
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
echo "install-deps: done"
