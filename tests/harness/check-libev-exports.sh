#!/bin/sh
# A program built against libev's shared library runs on evring when the loader hands it
# libevring.so as libev.so.4 (evring-run, docs/binary-compat.md). Every symbol libev.so.4
# exports must then be there: a missing function fails the program at load time (or at its first
# call, when bound lazily). So libevring.so must define each of them, as the same kind (function
# or data object) and, for data, with the same size: a program may hold its own copy of the
# object (a copy relocation), sized by what libev's symbol said when the program was linked.
set -u

libev=$(${CC:-cc} -print-file-name=libev.so.4)
case $libev in
  /*) ;;
  *)
    echo "SKIP: libev.so.4 not found, the library to compare with (Debian: apt-get install libev4)"
    exit 77
    ;;
esac
libev=$(realpath -s "$libev")
shared="$abs_top_builddir/.libs/libevring.so"

# symbols LIBRARY: "name kind size" per defined dynamic symbol; size only for data objects.
# nm's type letters: T, W, i are code; B, D, R, V, G, S are data.
symbols() {
  $NM -D -S --defined-only "$1" | awk '
    NF == 4 { name = $4; type = $3; size = $2 }
    NF == 3 { name = $3; type = $2; size = "?" }
    NF >= 3 && name !~ /^__odr_asan/ {
      if (type ~ /^[TtWwi]$/) print name, "function", "-"
      else if (type ~ /^[BbDdRrVvGgSs]$/) print name, "data", size + 0
      else print name, "type-" type, "-"
    }' | sort -u
}

work=$(mktemp -d "${TMPDIR:-/tmp}/evring-exports.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
symbols "$libev" >"$work/libev"
symbols "$shared" >"$work/evring"
echo "$libev exports $(wc -l <"$work/libev") symbols, libevring.so $(wc -l <"$work/evring")"

cut -d' ' -f1 "$work/evring" >"$work/evring.names"
missing=$(cut -d' ' -f1 "$work/libev" | grep -vxF -f "$work/evring.names")
differing=$(grep -vxF -f "$work/evring" "$work/libev" | cut -d' ' -f1 | grep -vxF "$missing")
status=0
if [ -n "$missing" ]; then
  echo "FAIL: $(echo "$missing" | wc -l) symbols of libev.so.4 are not exported by libevring.so" \
    "(a program using one of them cannot run on evring):"
  echo "$missing" | sed 's/^/  /'
  status=1
fi
if [ -n "$differing" ]; then
  echo "FAIL: exported by both, but of another kind or size (libev, then libevring.so):"
  for name in $differing; do
    echo "  $(grep "^$name " "$work/libev")  |  $(grep "^$name " "$work/evring")"
  done
  status=1
fi
[ $status -eq 0 ] && echo "libevring.so exports every symbol of libev.so.4, with the same kind and size"

# The data symbol at work: a program built without PIE holds its own copy of
# ev_default_loop_ptr, and evring's library must keep that copy up to date.
if [ "$HAVE_LIBEV" != yes ]; then
  echo "SKIP: a copy of ev_default_loop_ptr in a program: configure found no libev to build with"
  exit $status
fi
program="$work/default_loop"
if ! ${CC:-cc} -std=gnu11 -no-pie -o "$program" "$abs_top_srcdir/tests/harness/abi_default_loop.c" \
  -lev >"$work/build.log" 2>&1; then
  echo "FAIL: cannot build abi_default_loop.c against libev without PIE:"
  cat "$work/build.log"
  exit 1
fi
if [ "$READELF" = no ] || ! "$READELF" -rW "$program" | grep -q '_COPY .*ev_default_loop_ptr'; then
  echo "SKIP: a copy of ev_default_loop_ptr in a program: no copy relocation (or no readelf) seen"
  exit $status
fi
expected=$(printf '%s\n' "ev_is_default_loop 1, EV_DEFAULT_UC is the loop 1" \
  "after ev_loop_destroy, EV_DEFAULT_UC is NULL 1")
output=$(EVRING_DEBUG=1 LD_LIBRARY_PATH="$abs_top_builddir/tools/libev" timeout 10 "$program" \
  2>"$work/stderr")
if [ "$output" != "$expected" ] || ! grep -q '^evring: loop ' "$work/stderr"; then
  printf 'FAIL: a program holding a copy of ev_default_loop_ptr printed on evring:\n%s\n%s\nexpected:\n%s\n' \
    "$output" "$(cat "$work/stderr")" "$expected"
  exit 1
fi
echo "a program holding its own copy of ev_default_loop_ptr (no PIE) sees evring's default loop"
exit $status
