#!/bin/sh
# Runs the differential suite (tests/compat/run.sh: the same programs built against libev and
# against this uninstalled evring must print the same thing) and turns its closing
# "N passed, M failed" line into counts for sum-counts.sh.
# run-compat-binary.sh runs it with COMPAT_SIDE=binary: the evring side is then each program's
# libev build, run on this evring's shared library through tools/evring-run-uninstalled.
set -u
. "$abs_top_srcdir/tests/harness/report.sh"
side=${COMPAT_SIDE:-source}
label=compat
[ "$side" = binary ] && label=compat-binary

suite="$abs_top_srcdir/tests/compat/run.sh"
if [ ! -f "$suite" ]; then
  show "  [$label] SKIP: tests/compat/run.sh is not in this tree"
  exit 77
fi
if [ "$HAVE_LIBEV" != yes ]; then
  show "  [$label] SKIP: configure found no libev, the reference the suite compares against" \
    "(Debian: apt-get install libev-dev, then re-run configure)"
  exit 77
fi

suite_options=
if [ "$side" = binary ]; then
  # libev's programs are not built with the sanitizers, whose runtime would have to be loaded
  # first; a sanitized libevring.so cannot stand in for libev.so.4 in them.
  if [ -n "${SANITIZE_FLAGS:-}" ]; then
    show "  [$label] SKIP: this build's libevring.so needs the sanitizer runtimes" \
      "($SANITIZE_FLAGS), which programs built against libev do not load"
    exit 77
  fi
  suite_options="--binary=$abs_top_builddir/tools/evring-run-uninstalled"
else
  # The static library needs nothing beyond libc (check-link-deps.sh), so plain `cc` links it;
  # in a sanitized build the programs must link the sanitizer runtimes too.
  EVRING_CFLAGS="-I$abs_top_srcdir/ev"
  EVRING_LIBS="$abs_top_builddir/.libs/libevring.a ${SANITIZE_FLAGS:-}"
  export EVRING_CFLAGS EVRING_LIBS
fi

# The evt_* programs compare evring's event.h with libev's libevent emulation, whose header is in
# Debian's libev-libevent-dev. That package conflicts with libevent-dev (the benchmarks need it),
# so it is never installed: its header is unpacked into the build tree, once. Without it (no
# network, not Debian) run.sh skips those programs.
unpacked="$abs_top_builddir/tests/libev-libevent"
if [ -z "${LIBEV_EVENT_INCLUDE:-}" ] && [ ! -f "$unpacked/usr/include/event.h" ] &&
  command -v apt-get >/dev/null && command -v dpkg >/dev/null; then
  rm -rf "$unpacked" && mkdir -p "$unpacked/deb" &&
    (cd "$unpacked/deb" && timeout 120 apt-get download -q libev-libevent-dev) &&
    dpkg -x "$unpacked"/deb/libev-libevent-dev_*.deb "$unpacked"
fi
LIBEV_EVENT_INCLUDE=${LIBEV_EVENT_INCLUDE:-$unpacked/usr/include}
if [ ! -f "$LIBEV_EVENT_INCLUDE/event.h" ]; then
  show "  [compat] SKIP evt_*: no libev event.h in $LIBEV_EVENT_INCLUDE (apt-get download" \
    "libev-libevent-dev failed, see tests/harness/run-compat.log; or set LIBEV_EVENT_INCLUDE" \
    "to the usr/include of the unpacked package)"
fi
export LIBEV_EVENT_INCLUDE

# Binaries, outputs and diffs stay in the build tree, for a look after a failure.
COMPAT_BUILD_DIR="$abs_top_builddir/tests/$label-work"
export COMPAT_BUILD_DIR
rm -rf "$COMPAT_BUILD_DIR"

output=$(mktemp "${TMPDIR:-/tmp}/evring-compat.XXXXXX") || exit 99
trap 'rm -f "$output"' EXIT
# shellcheck disable=SC2086  # $suite_options is one option or none
timeout --kill-after=10 "${EVRING_TEST_TIME_LIMIT:-900}" bash "$suite" $suite_options \
  >"$output" 2>&1
status=$?
cat "$output"

# The closing line may carry one word and a colon in front ("compat: 12 passed, 0 failed").
summary=$(grep -E '^([A-Za-z]+: )?[0-9]+ passed, [0-9]+ failed' "$output" | tail -n 1)
show "  [$label] ${summary:-no 'N passed, M failed' line (exit status $status)}"
counts=$(echo "$summary" | awk 'NF { sub(/^[A-Za-z]+: /, ""); print $1, $3 }')
counts=${counts:-0 0}
finish "${counts% *}" "${counts#* }" "$status"
