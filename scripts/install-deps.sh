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

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
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
echo "install-deps: done"
