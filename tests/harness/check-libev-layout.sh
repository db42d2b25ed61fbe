#!/bin/sh
# A program built against libev's <ev.h> hands its watchers and flags to evring's library when
# it runs on evring (evring-run, docs/binary-compat.md), so both headers must describe the same
# binary interface. abi_layout.c prints the size of every watcher type, the offset and size of
# each member, and the value of every constant; compiled against libev's header and against
# evring's, it must print the same.
set -u
if [ "$HAVE_LIBEV" != yes ]; then
  echo "SKIP: configure found no libev, whose header is the reference" \
    "(Debian: apt-get install libev-dev, then re-run configure)"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evring-layout.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
source="$abs_top_srcdir/tests/harness/abi_layout.c"
status=0
for side in libev evring; do
  include=
  [ $side = evring ] && include="-I$abs_top_srcdir/ev"
  # shellcheck disable=SC2086  # $include is one option or none
  if ! ${CC:-cc} -std=gnu11 $include "$source" -o "$work/$side" >"$work/$side.log" 2>&1; then
    echo "FAIL: abi_layout.c does not compile against $side's ev.h:"
    cat "$work/$side.log"
    status=1
  elif ! "$work/$side" >"$work/$side.out"; then
    echo "FAIL: abi_layout.c built against $side's ev.h did not run"
    status=1
  fi
done
[ $status -eq 0 ] || exit 1

if ! diff -u --label "libev's ev.h" --label "evring's ev.h" "$work/libev.out" "$work/evring.out"; then
  echo "FAIL: the two headers describe different layouts or constants (diff above)"
  exit 1
fi
echo "evring's ev.h and libev's agree on $(grep -c ' align ' "$work/libev.out") types," \
  "$(grep -c ' offset ' "$work/libev.out") members and $(grep -vc ' size ' "$work/libev.out")" \
  "constants:"
cat "$work/libev.out"
