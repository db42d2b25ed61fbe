#!/bin/sh
# Runs a bounded batch of the differential fuzzer (tests/fuzz/fuzz.py: generated programs built
# against libev and against this uninstalled evring must print the same thing on every backend)
# and turns its closing "fuzz: N passed, M failed" line into counts for sum-counts.sh. The seeds
# are always the same (from 1), so a failure here is reproducible; FUZZ_CHECK_SECONDS bounds the
# run (default 90).
set -u
. "$abs_top_srcdir/tests/harness/report.sh"

if [ "$HAVE_LIBEV" != yes ]; then
  show "  [fuzz] SKIP: configure found no libev, the reference the fuzzer compares against" \
    "(Debian: apt-get install libev-dev, then re-run configure)"
  exit 77
fi
if ! command -v python3 >/dev/null; then
  show "  [fuzz] SKIP: python3 not found (Debian: apt-get install python3)"
  exit 77
fi

EVRING_CFLAGS="-I$abs_top_srcdir/ev"
EVRING_LIBS="$abs_top_builddir/.libs/libevring.a ${SANITIZE_FLAGS:-}"
export EVRING_CFLAGS EVRING_LIBS
unset LIBEV_FLAGS EVRING_BACKEND FUZZ_SECONDS FUZZ_PROGRAMS FUZZ_BACKENDS

# The interpreters, set-aside list and findings stay in the build tree, for a look afterwards.
work="$abs_top_builddir/tests/fuzz-check"
rm -rf "$work"
output=$(mktemp "${TMPDIR:-/tmp}/evring-fuzz.XXXXXX") || exit 99
trap 'rm -f "$output"' EXIT
timeout --kill-after=10 "${EVRING_TEST_TIME_LIMIT:-900}" python3 \
  "$abs_top_srcdir/tests/fuzz/fuzz.py" --check --first 1 --seconds "${FUZZ_CHECK_SECONDS:-90}" \
  --work "$work" >"$output" 2>&1
status=$?
cat "$output"

summary=$(grep -E '^fuzz: [0-9]+ passed, [0-9]+ failed' "$output" | tail -n 1)
show "  [fuzz] ${summary#fuzz: }"
[ -n "$summary" ] || show "  [fuzz] no 'N passed, M failed' line (exit status $status)"
counts=$(echo "$summary" | awk 'NF { print $2, $4 }')
counts=${counts:-0 0}
finish "${counts% *}" "${counts#* }" "$status"
