# shellcheck shell=sh
# Sourced by the harness scripts that wrap a counted suite (run-catch.sh, run-compat.sh).

# Prints a line to the test's log and, when make check opened fd 9 for it
# (AM_TESTS_FD_REDIRECT in Makefile.am), to the terminal as well.
show() {
  echo "$*"
  { echo "$*" >&9; } 2>/dev/null || true
}

# finish PASSED FAILED STATUS: writes the "EVRING-COUNT:" line that sum-counts.sh adds up, then
# exits with automake's result for the suite's exit STATUS. A failed run in which no case failed
# (a crash, a timeout, a sanitizer report at exit) counts as one failure, so the totals never
# read clean when the run was not.
finish() {
  passed=$1
  failed=$2
  status=$3
  if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "exit status $status although no case failed: counted as 1 failure"
    failed=1
  fi
  echo "EVRING-COUNT: passed=$passed failed=$failed"
  # Never pass the status through: 77 or 99 (say, 77 failed Catch2 assertions) would read as
  # "skipped" or "hard error".
  [ "$status" -eq 0 ] || exit 1
  exit 0
}
