# Sourced by bench/proxy.sh and bench/proxy/ab.sh: a run directory RUN (mode 755: nginx workers
# run as nobody when started as root) with the backend's static files (be/files/64k.bin and
# 1m.bin, for URLPATH), URLPATH (default /), and PIDS, whose processes are stopped on exit along
# with the directory.
RUN=$(mktemp -d); chmod 755 "$RUN"
mkdir -p "$RUN"/be/tmp "$RUN"/px/tmp "$RUN"/be/files
head -c 65536 /dev/zero | tr "\0" x > "$RUN/be/files/64k.bin"
head -c 1048576 /dev/zero | tr "\0" x > "$RUN/be/files/1m.bin"
URLPATH=${URLPATH:-/}
PIDS=()
cleanup() { set +e; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$RUN"; }
trap cleanup EXIT
