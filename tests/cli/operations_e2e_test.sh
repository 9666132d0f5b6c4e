#!/usr/bin/env bash
# Operating a rollout on the local platform with the aviary binary (docs/operations.md): manual
# actions through the status API with an admin token (refused with the reason where the phase does
# not allow them), `aviary status` and `aviary history` against golden files (times, ages and
# revisions masked), and the history surviving a restart. A canary without metrics, so that no
# load is needed: the actions, not the checks, decide.
source "$(dirname "$0")/e2e_lib.sh"
golden="$(dirname "$0")/golden"
echo "t0ps3cret" > "$work/token"
podinfo_workload 3.1.0
canary "    interval: 10s
    threshold: 5
    maxWeight: 50
    stepWeight: 10"
init_run --admin-token-file "$work/token"
ops() { "$AVIARY" "$@" --server "http://127.0.0.1:$port"; }
mask() {
  sed -E -e 's/[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z/<time>/g' \
    -e 's/\([0-9]+[smhd]([0-9]+[smh])? ago\)/(<age> ago)/g' -e 's/revision [0-9a-f]{6,}/revision <hash>/g' \
    -e 's/^(  (Normal|Warning) +Synced +)[0-9]+[smhd]([0-9]+[smh])?( +)/\1<age>\4/'
}
golden_check() {  # golden_check FILE TEXT
  if [ -n "${AVIARY_UPDATE_GOLDEN:-}" ]; then printf '%s\n' "$2" > "$golden/$1"; return; fi
  diff -u "$golden/$1" <(printf '%s\n' "$2") || fail "output differs from golden $1 (AVIARY_UPDATE_GOLDEN=1 rewrites it)"
}

# Without the token: refused. With it, where the phase does not allow it: refused with the reason.
out=$(ops abort podinfo -n test 2>&1) && fail "abort without the token succeeded: $out"
echo "$out" | grep -q "need its admin token" || fail "no token error: $out"
export AVIARY_ADMIN_TOKEN=t0ps3cret
out=$(ops promote podinfo -n test --user alice 2>&1) && fail "promote on Initialized succeeded: $out"
[ "$out" = "aviary promote: cannot promote: the canary is Initialized, no analysis is running (applies to Progressing, Waiting or WaitingPromotion)" ] || fail "unexpected refusal: $out"
golden_check operations_status_table.txt "$(ops status | mask)"

# Pause holds the weight; resume and promote finish the analysis.
release 3.1.1
wait_started podinfo 20
ops pause podinfo -n test --user alice > /dev/null || fail "pause refused"
wait_for 10 sh -c "\"$AVIARY\" status --server http://127.0.0.1:$port podinfo -n test | grep -q 'Paused=True'" || fail "not paused"
held=$(field podinfo "c['status']['canaryWeight']")
for i in 1 2 3 4 5 6; do  # three ticks of 2 s
  sleep 1
  [ "$(field podinfo "c['status']['canaryWeight']")" = "$held" ] || fail "weight moved while paused"
done
out=$(ops pause podinfo -n test 2>&1) && fail "a second pause succeeded"
[ "$out" = "aviary pause: cannot pause: the canary is already paused" ] || fail "unexpected refusal: $out"
ops resume podinfo -n test --user alice > /dev/null || fail "resume refused"
ops promote podinfo -n test --user alice > /dev/null || fail "promote refused"
wait_phase podinfo Succeeded 60
[ "$(version_via podinfo.test:9898 /)" = 3.1.1 ] || fail "3.1.1 not promoted"

# Abort rolls back; retry analyses the same revision again; promote --skip-analysis finishes it.
release 3.1.2
ops abort podinfo -n test --user bob > /dev/null || fail "abort refused"
wait_phase podinfo Failed 20
[ "$(version_via podinfo.test:9898 /)" = 3.1.1 ] || fail "the primary does not serve 3.1.1 after the abort"
ops retry podinfo -n test --user bob > /dev/null || fail "retry refused"
wait_phase podinfo Progressing 20
ops promote podinfo -n test --user bob --skip-analysis > /dev/null || fail "promote --skip-analysis refused"
wait_phase podinfo Succeeded 60
[ "$(version_via podinfo.test:9898 /)" = 3.1.2 ] || fail "3.1.2 not promoted"
ev=$(events podinfo)
for m in "Paused podinfo.test at canary weight $held (requested by alice)" "Resumed podinfo.test (requested by alice)" \
  "Manual promotion of podinfo.test (requested by alice)" "Rolling back podinfo.test: aborted manually (requested by bob)" \
  "Retrying the analysis of podinfo.test (requested by bob)" "Manual promotion of podinfo.test, analysis skipped (requested by bob)"; do
  echo "$ev" | grep -qF "$m" || fail "no event '$m': $ev"
done

# The history: three rollouts, kept across a restart.
stop_run
start_run --admin-token-file "$work/token"
[ -f "$work/state/history/test/podinfo.json" ] || fail "no history file in the state directory"
json=$(ops history podinfo -n test -o json)
verdicts=$(echo "$json" | python3 -c 'import json,sys; print(" ".join(r["verdict"] for r in json.load(sys.stdin)["items"]))')
[ "$verdicts" = "Succeeded Failed Succeeded" ] || fail "history verdicts: $verdicts"
# Steps and webhooks depend on tick timing; the golden keeps the header lines of each rollout.
golden_check operations_history.txt "$(ops history podinfo -n test | grep -E '^(Rollout|#|  (Started|Ended|Reason):)' | mask)"
stop_run
check_nothing_left
pass
