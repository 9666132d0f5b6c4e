# Sourced by bench/proxy.sh and the scripts in bench/proxy/: a run directory RUN (mode 755: nginx
# workers run as nobody when started as root) with the backend's static files (be/files/64k.bin
# and 1m.bin, for URLPATH), URLPATH (default /), and PIDS, whose processes are stopped on exit
# along with the directory; and the /proc readings the tables report.
RUN=$(mktemp -d); chmod 755 "$RUN"
mkdir -p "$RUN"/be/tmp "$RUN"/px/tmp "$RUN"/be/files
head -c 65536 /dev/zero | tr "\0" x > "$RUN/be/files/64k.bin"
head -c 1048576 /dev/zero | tr "\0" x > "$RUN/be/files/1m.bin"
URLPATH=${URLPATH:-/}
PIDS=()
cleanup() { set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT

# A /proc/PID/status field (kB) summed over a process and its children (nginx: master + worker).
kb_of() {
  local pid=$1 field=$2 total=0
  for p in $pid $(pgrep -P "$pid" || true); do total=$((total + $(awk -v f="$field:" '$1==f{print $2}' /proc/$p/status))); done
  echo "$total"
}
rss_of() { echo $(( $(kb_of "$1" VmRSS) / 1024 )); }  # MB
# CPU time (user+sys, clock ticks) of a process and its children: CPU per unit of work is far
# less sensitive to the other load on a shared machine than throughput.
cpu_of() {
  local pid=$1 total=0
  for p in $pid $(pgrep -P "$pid" || true); do total=$((total + $(awk '{print $14 + $15}' /proc/$p/stat))); done
  echo "$total"
}
