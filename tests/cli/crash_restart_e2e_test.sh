#!/usr/bin/env bash
# Crash and restart: `aviary run` is killed with SIGKILL at 10 random moments (seeded by
# $E2E_SEED, printed) of one rollout and started again each time on the same state directory.
# Checked throughout: the weights of the mesh's routes always sum to 100 and the status's
# canaryWeight is in 0..100; replicas are adopted, not duplicated. At the end the rollout has
# finished as it would have (Succeeded, 3.1.1 the primary). Then a failing release (every answer a
# 500) with 5 more kills: it is rolled back, never promoted, the primary keeps 3.1.1. Finally
# nothing is left running and no port listening.
source "$(dirname "$0")/e2e_lib.sh"
seed=${E2E_SEED:-$(( $(date +%s) % 100000 ))}
echo "seed $seed (rerun with E2E_SEED=$seed)"
RANDOM=$seed
REPLICAS=2 podinfo_workload 3.1.0
# 25 steps of 3 s: long enough that the 10 kills (each restart costs seconds) fall inside it.
canary "    interval: 15s
    threshold: 3
    maxWeight: 50
    stepWeight: 2
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}"
init_run
python3 "$(dirname "$0")/e2e_monitor.py" "http://127.0.0.1:$port" "$work/state/mesh.json" "$work/seen" &
bg_pids+=($!)
replicas_running() { tagged_pids | grep -c " podinfo " || true; }
# history_is COUNT VERDICT: the history holds COUNT records, the last one VERDICT, begun at the
# analysis's first step (weight 0) and taken up again after at least one restart — one record per
# rollout, not a partial one per restart (docs/operations.md).
history_is() {
  "$AVIARY" history podinfo -n test -o json --server "http://127.0.0.1:$port" 2>/dev/null | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
r = items[-1] if items else {}
ok = len(items) == int(sys.argv[1]) and r.get("verdict") == sys.argv[2] and r["steps"][0]["canaryWeight"] == 0 \
    and len(r.get("resumed", [])) >= 1
sys.exit(0 if ok else 1)' "$1" "$2"
}
# crash_loop N: N SIGKILLs at random moments 0.2–2.5 s after the previous (re)start, each followed by
# a restart on the same state directory.
crash_loop() {
  local n=$1 i
  for i in $(seq 1 "$n"); do
    local delay_ms=$(( 200 + RANDOM % 2300 ))
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -9 "$run_pid"; wait "$run_pid" 2>/dev/null || true; run_pid=""
    local seen; seen=$(grep phase= "$work/seen" | grep -v phase=down | tail -1)
    note "kill $i after ${delay_ms} ms (last seen: $seen)"
    case "$seen" in *phase=Progressing*|*phase=Promoting*|*phase=Finalising*) mid=$((mid + 1)) ;; esac
    start_run
    local live; live=$(replicas_running)
    [ "$live" -le 5 ] || fail "$live podinfo replicas running after restart $i (2 primary + 2 canary + 1 surge at most): $(tagged_pids)"
  done
}
load podinfo.test:9898 120 20
release 3.1.1
wait_started podinfo 20
# On the canary only once it is ready: the mesh reports its 503s (no endpoints yet) as the
# canary's own (docs/local-platform.md).
load podinfo-canary.test:9898 120 5
mid=0
crash_loop 10
note "$mid of 10 kills hit the rollout mid-way"
[ "$mid" -ge 6 ] || fail "only $mid of 10 kills came before the rollout ended: make the rollout longer"
wait_phase podinfo Succeeded 90
ev=$(cat "$work/state/events/test_podinfo.jsonl")
echo "$ev" | grep -q "Promotion completed! Scaling down podinfo.test" || fail "no promotion event: $ev"
echo "$ev" | grep -q "Canary failed" && fail "the healthy release failed: $ev"
only_version 3.1.1 http://podinfo-primary.test:9898/ 10
only_version 3.1.1 http://podinfo.test:9898/ 10
wait_for 10 history_is 1 Succeeded || fail "history: $("$AVIARY" history podinfo -n test -o json --server "http://127.0.0.1:$port")"
note "a failing release (threshold 8), killed 5 times"
canary "    interval: 10s
    threshold: 8
    maxWeight: 50
    stepWeight: 10
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 99}, interval: 10s}"
release 3.1.2 "  - {name: PODINFO_FAULT_5XX_RATIO, value: \"1\"}"
mid=0
crash_loop 5
[ "$mid" -ge 3 ] || fail "only $mid of 5 kills came before the failing rollout ended"
wait_phase podinfo Failed 60
only_version 3.1.1 http://podinfo-primary.test:9898/ 10
only_version 3.1.1 http://podinfo.test:9898/ 10
n=$(grep -c "Promotion completed" "$work/state/events/test_podinfo.jsonl")
[ "$n" = 1 ] || fail "promoted $n times (the failing release must not be): $(cat "$work/state/events/test_podinfo.jsonl")"
wait_for 10 history_is 2 Failed || fail "history: $("$AVIARY" history podinfo -n test -o json --server "http://127.0.0.1:$port")"
grep "^BAD" "$work/seen" && fail "inconsistent weights seen (above)"
note "seen: $(grep -c phase= "$work/seen") states, $(grep -c phase=down "$work/seen") while down"
stop_run
check_nothing_left
pass
