#!/usr/bin/env bash
# Runs `aviary demo` in a real terminal (tmux, 120x40) and saves `capture-pane` snapshots of the
# live view every 10 s, then the final screen, to OUT (default /tmp/aviary-demo-screens.txt).
#   scripts/demo-tmux.sh [build/src/cli/aviary] [OUT]
set -euo pipefail
AVIARY=${1:-build/src/cli/aviary}
OUT=${2:-/tmp/aviary-demo-screens.txt}
session=aviary-demo-$$
: > "$OUT"
tmux new-session -d -s "$session" -x 120 -y 40 "$AVIARY demo; echo EXIT=\$?; sleep 30"
for i in $(seq 1 40); do  # at most 400 s
  sleep 10
  { echo "=== snapshot $i ($((i * 10)) s)"; tmux capture-pane -p -t "$session"; } >> "$OUT"
  if tmux capture-pane -p -t "$session" | grep -q "EXIT="; then break; fi
done
tmux kill-session -t "$session" 2>/dev/null || true
grep -q "EXIT=0" "$OUT" && echo "demo passed; screens in $OUT" || { echo "demo failed; screens in $OUT"; exit 1; }
