#!/bin/sh
# Adds up the "EVRING-COUNT: passed=P failed=F" lines of the given test logs (missing logs are
# tests that did not run) and prints "N passed, M failed".
for log in "$@"; do
  [ -f "$log" ] && cat "$log"
done | awk '
  /^EVRING-COUNT: / {
    split($2, p, "="); split($3, f, "=")
    passed += p[2]; failed += f[2]
  }
  END { printf "%d passed, %d failed\n", passed, failed }'
