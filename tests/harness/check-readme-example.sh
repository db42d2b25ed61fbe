#!/bin/sh
# The README's example program must be examples/minimal.c (from its first #include on), which
# make check compiles and runs: so the README cannot show code that does not work.
set -u
cd "$abs_top_srcdir" || exit 99
readme_example=$(mktemp "${TMPDIR:-/tmp}/evring-readme.XXXXXX") || exit 99
trap 'rm -f "$readme_example"' EXIT
awk '/^```c$/ { inside = 1; next } inside && /^```$/ { exit } inside' README.md >"$readme_example"
if ! sed -n '/^#include/,$p' examples/minimal.c |
  diff -u --label README.md --label examples/minimal.c "$readme_example" -; then
  echo "FAIL: the C example in README.md differs from examples/minimal.c"
  exit 1
fi
echo "README.md shows examples/minimal.c"
