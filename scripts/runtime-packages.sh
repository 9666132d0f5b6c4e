#!/usr/bin/env bash
# Prints the Debian packages that hold the shared libraries a binary loads (one name a line,
# sorted), so that a runtime image installs exactly those: the Dockerfile's runtime stage uses it.
#   scripts/runtime-packages.sh build/src/cli/aviary
# Fails (exit 1, naming the library) when a library is missing or belongs to no package, so an
# image never ships without something the binary needs. Use it on binaries you built: ldd may
# run the binary's loader.
set -euo pipefail
if [ $# -ne 1 ] || [ ! -x "$1" ]; then
  echo "usage: $0 BINARY (an executable file)" >&2
  exit 2
fi
out=$(ldd "$1")
if grep -q "not found" <<<"$out"; then
  echo "runtime-packages: $1 needs libraries that are not installed:" >&2
  grep "not found" <<<"$out" >&2
  exit 1
fi
# "libfoo.so.1 => /usr/lib/x86_64-linux-gnu/libfoo.so.1 (0x...)" and the loader's own line.
mapfile -t libs < <(awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' <<<"$out" | sort -u)
# One dpkg-query for all paths (each call reads the whole database). Debian 12 merged /usr: dpkg
# may know a library under /lib or /usr/lib, so each is asked under both names and its real path.
queries=()
for lib in "${libs[@]}"; do
  real=$(realpath "$lib")
  queries+=("$lib" "$real" "${lib#/usr}" "${real#/usr}")
done
owners=$(dpkg-query -S "${queries[@]}" 2>/dev/null || true)  # exits 1 when some name is unknown
status=0
packages=()
for lib in "${libs[@]}"; do
  real=$(realpath "$lib")
  # Lines read "package:arch: /path" (or "pkg1, pkg2: /path" for shared directories).
  owner=$(awk -v a="$lib" -v b="$real" -v c="${lib#/usr}" -v d="${real#/usr}" \
    '{p=$NF; if (p==a||p==b||p==c||p==d) {sub(/:[^:]*$/, ""); print; exit}}' <<<"$owners")
  if [ -n "$owner" ]; then
    packages+=("${owner%%:*}")
  else
    echo "runtime-packages: no Debian package owns $lib" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] || exit "$status"
printf '%s\n' "${packages[@]}" | sort -u
