#!/bin/sh
# Runs tests/evring_tests once, as named by the pseudo test it is given (CATCH_RUNS in
# Makefile.am): tests/run/<backend>.catch runs the backend-specific cases ("~[core]") with
# EVRING_TEST_BACKEND=<backend>; tests/run/core.catch runs the backend-independent "[core]" cases
# once. The Catch2 summary line is shown on the terminal; counts go to sum-counts.sh.
set -u
. "$abs_top_srcdir/tests/harness/report.sh"

run=$(basename "$1" .catch)
case $run in
  core) filter='[core]' ;;
  select | poll | epoll | io_uring) filter='~[core]' ;;
  *)
    echo "run-catch.sh: unknown run '$run' (from $1)" >&2
    exit 99
    ;;
esac

# EVRING_CATCH_TAGS="[a] [b]" narrows the run to the cases with any of those tags (the
# ThreadSanitizer pass runs only the threaded cases): "~[core][a],~[core][b]".
# Catch2's --warn NoTests would then fail for a tag that has no case in this run, so it is only
# required that the run as a whole found some case ("No tests ran" below).
no_tests=--warn\ NoTests
if [ -n "${EVRING_CATCH_TAGS:-}" ]; then
  no_tests=
  narrowed=
  set -f  # the tags look like glob patterns
  for tag in $EVRING_CATCH_TAGS; do narrowed="${narrowed:+$narrowed,}$filter$tag"; done
  set +f
  filter=$narrowed
fi

if [ "$run" = io_uring ] && ! reason=$("$abs_top_builddir/tests/harness/kernel_has_io_uring"); then
  show "  [$run] SKIP: $reason"
  exit 77
fi

# Only EVRING_TEST_BACKEND picks the backend: variables a developer exported for their own
# experiments must not redirect the suite.
unset LIBEV_FLAGS EVRING_BACKEND EVRING_TEST_BACKEND
[ "$run" = core ] || export EVRING_TEST_BACKEND="$run"

output=$(mktemp "${TMPDIR:-/tmp}/evring-catch.XXXXXX") || exit 99
trap 'rm -f "$output"' EXIT
# The suite bounds each of its waits; the time limit is the backstop for make check.
# --warn NoTests: a filter that matches nothing fails instead of passing silently.
timeout --kill-after=10 "${EVRING_TEST_TIME_LIMIT:-900}" \
  "$abs_top_builddir/tests/evring_tests" $no_tests "$filter" >"$output" 2>&1
status=$?
cat "$output"

summary=$(grep -E '^(All tests passed|test cases:|No tests ran)' "$output" | head -n 1)
[ "$status" -eq 124 ] && summary="killed after ${EVRING_TEST_TIME_LIMIT:-900} s"
# The suite itself skips a backend the library cannot provide, with a "SKIP: reason" line.
skip=$(grep -E '^SKIP: ' "$output" | head -n 1)
if [ "$status" -eq 0 ] && [ -z "$summary" ] && [ -n "$skip" ]; then
  show "  [$run] $skip"
  exit 77
fi
show "  [$run] ${summary:-no Catch2 summary (exit status $status)}"

# "All tests passed (A assertions in N test cases)" or
# "test cases: T | P passed | F failed | X failed as expected", zero columns left out.
# Cases that failed as expected passed, as far as Catch2 is concerned.
counts=$(echo "$summary" | awk '
  /^All tests passed/ { for (i = 1; i <= NF; i++) if ($i == "in") print $(i + 1), 0 }
  /^test cases:/ {
    sub(/^test cases: */, "")
    n = split($0, columns, /\|/)
    failed = 0
    for (i = 2; i <= n; i++) if (columns[i] ~ /failed *$/) failed = columns[i] + 0
    print columns[1] - failed, failed
  }')
counts=${counts:-0 0}
finish "${counts% *}" "${counts#* }" "$status"
