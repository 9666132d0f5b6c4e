#!/usr/bin/env bash
# What goes wrong, and what the user sees:
#  1. a canary replica killed mid-analysis is restarted (new pid, counted restart) and the
#     analysis goes on to promotion;
#  2. a release whose command does not exist: the canary never becomes ready, the events say
#     why (exec: "...": executable file not found in $PATH), and after progressDeadlineSeconds the
#     canary is rolled back;
#  3. a release whose replicas must listen on a port someone else holds: the events carry the
#     program's own "cannot listen ... Address already in use", then the same rollback;
#  4. a second `aviary run` on a --port or --mesh-port already taken exits 1 with the address in
#     its message and starts nothing.
# Through all of it the primary's processes are never touched and the apex keeps answering.
source "$(dirname "$0")/e2e_lib.sh"
podinfo_workload 3.1.0
# Parts 2 and 3 fail on the progress deadline (5 s), before the failed checks add up.
DEADLINE=5 canary "    interval: 10s
    threshold: 5
    maxWeight: 50
    stepWeight: 10
    metrics:
    - {name: request-success-rate, thresholdRange: {min: 90}, interval: 10s}"
init_run
primary_pids=$(set_info podinfo-primary "sorted(r['pid'] for r in s['replicas'])")
note "primary pids $primary_pids"

note "1. a canary replica killed mid-analysis"
release 3.1.1
wait_started podinfo 20
load podinfo.test:9898 60 10
kill_canary() {
  local victim; victim=$(set_info podinfo "s['replicas'][0]['pid']")
  local before; before=$(set_info podinfo "s['replicas'][0]['restarts']")
  kill -9 "$victim"
  note "killed canary replica pid $victim"
  restarted() { local p; p=$(set_info podinfo "s['replicas'][0]['pid'] if s['replicas'][0]['restarts'] > $before else ''"); [ -n "$p" ] && [ "$p" != "$victim" ]; }
  wait_for 15 restarted || fail "the killed canary replica was not restarted: $(set_info podinfo s)"
  note "restarted as pid $(set_info podinfo "s['replicas'][0]['pid']") ($(set_info podinfo "s['replicas'][0]['restarts']") restarts)"
}
kill_canary
kill_canary  # at once again: the back-off doubles (1 s, then 2 s), long enough for a tick to see it
wait_for 20 grep -q "canary deployment podinfo.test not ready: .*killed by signal Killed" "$work/out" ||
  fail "no tick saw the canary not ready with its replica's error: $(events podinfo)"
note "seen: $(grep -o 'canary deployment podinfo.test not ready: .*killed by signal Killed' "$work/out" | head -1)"
wait_phase podinfo Succeeded 60
only_version 3.1.1 http://podinfo.test:9898/ 5
primary_pids=$(set_info podinfo-primary "sorted(r['pid'] for r in s['replicas'])")

note "2. a release whose command does not exist"
sed -i 's/^  command: aviary$/  command: aviary-no-such-command/' "$work/dir/podinfo.yaml"
sed -i 's/^  version: .*/  version: "3.1.2"/' "$work/dir/podinfo.yaml"
wait_phase podinfo Failed 40
ev=$(events podinfo)
echo "$ev" | grep -q 'exec: "aviary-no-such-command": executable file not found in $PATH' || fail "the events do not say the command was not found: $ev"
echo "$ev" | grep -q 'exceeded its progress deadline' || fail "no progress deadline in the events: $ev"
[ "$(set_info podinfo-primary "sorted(r['pid'] for r in s['replicas'])")" = "$primary_pids" ] || fail "the primary's processes changed"
only_version 3.1.1 http://podinfo.test:9898/ 5

note "3. a release whose port is taken"
python3 -c 'import socket,time; s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(); print(s.getsockname()[1], flush=True); time.sleep(120)' > "$work/holder" &
bg_pids+=($!)
wait_for 5 test -s "$work/holder"
held=$(cat "$work/holder")
podinfo_workload 3.1.3
sed -i "s/\"\\\$(PORT)\"/\"$held\"/" "$work/dir/podinfo.yaml"
grep -q "\"$held\"" "$work/dir/podinfo.yaml" || fail "could not write the fixed port"
wait_phase podinfo Progressing 20
wait_phase podinfo Failed 40
ev=$(events podinfo)
echo "$ev" | grep -q "cannot listen on 127.0.0.1:$held: Address already in use" || fail "the events do not say the port is taken: $ev"
[ "$(set_info podinfo-primary "sorted(r['pid'] for r in s['replicas'])")" = "$primary_pids" ] || fail "the primary's processes changed"
only_version 3.1.1 http://podinfo.test:9898/ 5

note "4. a second aviary run on a port already taken"
mkdir -p "$work/dir2"
cp "$work/dir/podinfo.yaml" "$work/dir2/"
for flags in "--port $port" "--port 0 --mesh-port $mesh_port"; do
  rc=0
  timeout 20 "$AVIARY" run "$work/dir2" --state-dir "$work/state2" $flags > "$work/out2" 2>&1 || rc=$?
  [ "$rc" = 1 ] || fail "aviary run $flags on a taken port exited $rc: $(cat "$work/out2")"
  grep -qE "aviary run: .*127.0.0.1:[0-9]+.*(in use|cannot)" "$work/out2" || fail "unclear error for $flags: $(cat "$work/out2")"
  note "aviary run $flags: $(grep 'aviary run:' "$work/out2")"
  for p in /proc/[0-9]*; do
    if readlink "$p/cwd" 2>/dev/null | grep -q "$work/dir2"; then fail "the refused run left a process: $(tr '\0' ' ' < "$p/cmdline")"; fi
  done
done
phase_is podinfo Failed || fail "the running controller was disturbed"
only_version 3.1.1 http://podinfo.test:9898/ 5
stop_run
check_nothing_left
pass
