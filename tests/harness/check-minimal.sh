#!/bin/sh
# check-minimal.sh PROGRAM: runs the README example (examples/minimal.c) with one line of input
# and checks that it echoes it and stops at end of input.
set -u
expected=$(printf 'read 6 bytes: hello\nend of input')
output=$(echo hello | timeout 10 "$1")
status=$?
if [ "$status" -ne 0 ] || [ "$output" != "$expected" ]; then
  printf 'FAIL: %s exited with status %s and printed:\n%s\nexpected:\n%s\n' \
    "$1" "$status" "$output" "$expected"
  exit 1
fi
echo "$1: echoed its input and stopped at end of input"
