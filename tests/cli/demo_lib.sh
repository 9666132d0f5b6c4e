# Shared checks of the `aviary demo` end-to-end tests (sourced, not run); each needs fail().
# in_order FILE LINE...: each LINE occurs in FILE after the previous one (other lines may come between).
in_order() {
  local file=$1 line=0 n e
  shift
  for e in "$@"; do
    n=$(tail -n +"$((line + 1))" "$file" | grep -nF -- "$e" | head -1 | cut -d: -f1 || true)
    [ -n "$n" ] || fail "event not found (in order): $e"
    line=$((line + n))
  done
}
# nothing_left FILE: no process working in the demo's directory (the one its output FILE names, so
# that another demo running beside it does not count), none of its ports listening.
nothing_left() {
  local dir p port
  dir=$(grep -o "state in /tmp/aviary-demo-[A-Za-z0-9]*/" "$1" | head -1 | cut -d' ' -f3 | sed 's:/$::')
  [ -n "$dir" ] || fail "the demo's output does not name its directory"
  sleep 1
  for p in /proc/[0-9]*; do
    if readlink "$p/cwd" 2>/dev/null | grep -qF "$dir"; then fail "process left: $(tr '\0' ' ' < "$p/cmdline")"; fi
  done
  for port in $(grep -o "127\.0\.0\.1:[0-9]*" "$1" | cut -d: -f2 | sort -u); do
    if ss -ltnH "sport = :$port" | grep -q .; then fail "port $port still listening"; fi
  done
}
