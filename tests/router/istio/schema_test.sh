#!/usr/bin/env bash
# Schema check of the Istio goldens: every VirtualService and DestinationRule Aviary generates
# (golden/*.json) validates against npm @kubernetes-models/istio, installed by
# scripts/install-deps.sh into AVIARY_NPM_DIR (default /opt/aviary-npm).
# Exit 77 (CTest: skipped) with the reason printed when node or the package is absent.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
modules="${AVIARY_NPM_DIR:-/opt/aviary-npm}/node_modules"
if ! command -v node >/dev/null; then
  echo "SKIPPED: node is not installed (scripts/install-deps.sh installs the schema check only with npm)"
  exit 77
fi
if [ ! -f "$modules/@kubernetes-models/istio/package.json" ]; then
  echo "SKIPPED: $modules/@kubernetes-models/istio is absent (run scripts/install-deps.sh with npm available)"
  exit 77
fi
shopt -s nullglob
goldens=("$here"/golden/*.json)
if [ ${#goldens[@]} -eq 0 ]; then
  echo "no goldens under $here/golden" >&2
  exit 1
fi
node "$here/schema_check.mjs" "$modules" "${goldens[@]}"
