# Shared helpers of the local platform's end-to-end tests (sourced, not run). Each test gets a
# work directory of its own (manifests in $work/dir, state in $work/state), free loopback ports,
# and a marker in its environment (AVIARY_E2E_TAG) that every process it starts inherits, so that
# the final check finds any process left behind, whatever its working directory.
# Every wait is bounded (wait_for SECONDS ...); every load generator is bounded by -z and -n.
set -euo pipefail
AVIARY=$1
SRC=$2
work=$(mktemp -d /tmp/aviary-e2e-XXXXXX)
export AVIARY_E2E_TAG="e2e-$$-$RANDOM"
run_pid=""
bg_pids=()
t0=$SECONDS
e2e_cleanup() {
  [ -n "$run_pid" ] && kill -9 "$run_pid" 2>/dev/null || true
  for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  kill_tagged
  [ -n "${KEEP_E2E:-}" ] || rm -rf "$work"
}
trap e2e_cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- aviary run output (last 60 lines):"
  tail -n 60 "$work/out" 2>/dev/null || true
  exit 1
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() {  # wait_for SECONDS COMMAND...: polls every 0.2 s, at most SECONDS
  local end=$((SECONDS + $1)); shift
  until "$@" > /dev/null 2>&1; do [ $SECONDS -lt $end ] || return 1; sleep 0.2; done
}
# Processes (other than this shell's own tools) carrying this test's marker.
tagged_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "${p#/proc/}" = "$$" ] && continue
    if grep -qzx "AVIARY_E2E_TAG=$AVIARY_E2E_TAG" "$p/environ" 2>/dev/null; then
      local cmd; cmd=$(tr '\0' ' ' 2>/dev/null < "$p/cmdline" || true)
      case "$cmd" in "bash "*) ;; *aviary*) echo "${p#/proc/} $cmd" ;; esac
    fi
  done
}
kill_tagged() { tagged_pids | while read -r p _; do kill -9 "$p" 2>/dev/null || true; done; }

port=$(free_port)
mesh_port=$(free_port)
mkdir -p "$work/dir"
# start_run [FLAGS...]: `aviary run $work/dir` in the background, output appended to $work/out.
start_run() {
  "$AVIARY" run "$work/dir" --state-dir "$work/state" --port "$port" --mesh-port "$mesh_port" \
    --time-scale "${TIME_SCALE:-0.2}" --min-interval 1s --scrape-interval 1s --log-level warning "$@" >> "$work/out" 2>&1 &
  run_pid=$!
  wait_for 20 curl -sf "http://127.0.0.1:$port/readyz" || fail "aviary run not ready (/readyz) within 20 s"
}
# stop_run: SIGTERM, bounded wait, exit status 0.
stop_loads() { for p in "${bg_pids[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; bg_pids=(); }
stop_run() {
  note "stopping aviary run"
  stop_loads
  kill -TERM "$run_pid"
  local rc=0
  wait "$run_pid" || rc=$?
  run_pid=""
  [ "$rc" -eq 0 ] || fail "aviary run exited $rc after SIGTERM"
}
status_json() { "$AVIARY" status --server "http://127.0.0.1:$port" "$1" -n test -o json; }
# field NAME EXPR: a field of canary NAME's JSON (python expression over `c`), "" when unreachable.
field() { status_json "$1" 2>/dev/null | python3 -c "import json,sys; c=json.load(sys.stdin); print($2)" 2>/dev/null || true; }
phase_is() { [ "$(field "$1" "c['status'].get('phase','')")" = "$2" ]; }
note() { echo "[$((SECONDS - t0)) s] $*"; }
wait_phase() {  # wait_phase NAME PHASE SECONDS
  note "waiting for $1 $2"
  wait_for "$3" phase_is "$1" "$2" || fail "canary $1 not $2 within $3 s (phase: $(field "$1" "c['status'].get('phase','')"))"
}
events() { "$AVIARY" status --server "http://127.0.0.1:$port" "$1" -n test 2>/dev/null || true; }
# via HOST PATH [CURL ARGS...]: a request through the mesh listener, by service name.
via() { local h=$1 p=$2; shift 2; curl -s -m 5 -x "http://127.0.0.1:$mesh_port" "$@" "http://$h$p"; }
version_via() { via "$@" | python3 -c 'import json,sys; print(json.load(sys.stdin)["version"])' 2>/dev/null || echo "?"; }
# load HOST SECONDS QPS: background load through the mesh (aviary hey, bounded by -z).
load() {
  "$AVIARY" hey -z "$2s" -q "$3" -c 2 -x "127.0.0.1:$mesh_port" "http://$1/" > /dev/null 2>&1 &
  bg_pids+=($!)
}
# podinfo_workload VERSION [ENV YAML LINES]: examples/local's podinfo at VERSION, optional env.
podinfo_workload() {
  cat > "$work/dir/podinfo.yaml.tmp" <<EOF
apiVersion: aviary.dev/v1alpha1
kind: Workload
metadata: {name: podinfo, namespace: test}
spec:
  version: "$1"
  replicas: ${REPLICAS:-1}
  command: aviary
  args: [podinfo, --port, "\$(PORT)", --version, "\$(VERSION)"]
  env:
  - {name: PODINFO_UI_COLOR, value: "#34577c"}
${2:-}
  port: 9898
  readinessProbe: {httpGet: {path: /readyz}, periodSeconds: 1, failureThreshold: 3}
  terminationGracePeriodSeconds: 5
EOF
  mv "$work/dir/podinfo.yaml.tmp" "$work/dir/podinfo.yaml"  # atomic: the watcher never reads half a file
}
# The end: nothing of this test running, none of its ports listening.
check_nothing_left() {
  note "checking that nothing is left"
  local ports=() f
  for f in "$work/state/mesh.json" "$work/state/supervisor.json"; do
    [ -e "$f" ] && ports+=($(grep -oE '"(port|directPort|meshPort|adminPort)": *[0-9]+' "$f" | grep -oE '[0-9]+$' || true))
  done
  ports+=("$port" "$mesh_port")
  local end=$((SECONDS + 10)) left
  while left=$(tagged_pids) && [ -n "$left" ]; do
    [ $SECONDS -lt $end ] || fail "processes left: $left"
    sleep 0.2
  done
  for p in "${ports[@]}"; do
    [ "$p" -gt 1024 ] || continue
    if ss -ltnH "sport = :$p" | grep -q .; then fail "port $p still listening"; fi
  done
}
pass() { echo "PASS ($((SECONDS - t0)) s)"; }
# canary ANALYSIS_YAML [SERVICE_YAML]: the seed's Canary shape (targetRef a Workload), with the
# analysis given (indented 4 spaces) and no webhooks: the tests drive the load themselves.
canary() {
  cat > "$work/dir/canary.yaml.tmp" <<EOC
apiVersion: flagger.app/v1beta1
kind: Canary
metadata: {name: podinfo, namespace: test}
spec:
  targetRef: {apiVersion: aviary.dev/v1alpha1, kind: Workload, name: podinfo}
  progressDeadlineSeconds: ${DEADLINE:-60}
  service:
    port: 9898
${2:-}
  analysis:
$1
EOC
  mv "$work/dir/canary.yaml.tmp" "$work/dir/canary.yaml"
}
# versions URL N [HEADER...] [--sticky]: "VERSION COUNT" lines of N requests through the mesh.
versions() { python3 "$(dirname "${BASH_SOURCE[0]}")/e2e_versions.py" "$mesh_port" "$@"; }
# only_version VERSION URL N [HEADER...]: all N answers came from VERSION.
only_version() {
  local v=$1; shift
  local got; got=$(versions "$@")
  [ "$got" = "$v $2" ] || fail "expected all $2 answers of $1 ${*:3} from $v, got: $(echo $got)"
}
# wait_started NAME SECONDS: the analysis has routed traffic (iterations or canary weight > 0).
started() { [ "$(field "$1" "int(c['status'].get('iterations',0) > 0 or c['status'].get('canaryWeight',0) > 0)")" = 1 ]; }
wait_started() { note "waiting for $1's first step"; wait_for "$2" started "$1" || fail "no analysis step of $1 within $2 s"; }
admin_port() { grep -o 'proxy stats on http://127.0.0.1:[0-9]*' "$work/out" | tail -1 | grep -o '[0-9]*$'; }
# requests_to WORKLOAD: istio_requests_total of destination_workload=WORKLOAD in the mesh's stats.
requests_to() {
  curl -s -m 5 "http://127.0.0.1:$(admin_port)/stats/prometheus" |
    python3 -c "import re,sys; print(int(sum(float(l.rsplit(' ',1)[1]) for l in sys.stdin if l.startswith('istio_requests_total{') and 'destination_workload=\"$1\"' in l)))"
}
# start_prometheus "JOB PATH HOST:PORT"...: Debian's prometheus on $prom_port (a free port unless
# set before), scraping each target every second; its log in $work/prom/log.
start_prometheus() {
  command -v "${AVIARY_PROMETHEUS_BIN:-prometheus}" > /dev/null || fail "prometheus not installed (scripts/install-deps.sh installs it)"
  prom_port=${prom_port:-$(free_port)}
  mkdir -p "$work/prom"
  local t job path addr
  { echo "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}"
    echo "scrape_configs:"
    for t in "$@"; do
      read -r job path addr <<< "$t"
      echo "- {job_name: $job, metrics_path: $path, static_configs: [{targets: ['$addr']}]}"
    done; } > "$work/prom/prometheus.yml"
  "${AVIARY_PROMETHEUS_BIN:-prometheus}" --config.file="$work/prom/prometheus.yml" --storage.tsdb.path="$work/prom/data" \
    --web.listen-address="127.0.0.1:$prom_port" --log.level=warn > "$work/prom/log" 2>&1 &
  bg_pids+=($!)
}
# init_run [FLAGS...]: start_run, then podinfo initialized.
init_run() { start_run "$@"; wait_phase podinfo Initialized 30; }
# release VERSION [ENV YAML]: edit the workload (like kubectl set image), wait for Progressing.
release() { podinfo_workload "$@"; wait_phase podinfo Progressing 20; }
# set_info SET EXPR: a python expression over `s` (set "test/SET" of the supervisor's state file).
set_info() {
  python3 -c "import json; s=json.load(open('$work/state/supervisor.json'))['sets'].get('test/$1', {}); print($2)" 2>/dev/null || true
}
