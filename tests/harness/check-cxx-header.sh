#!/bin/sh
# ev/ev++.h must compile without a single warning in every language mode libev's C++ users build
# with (C++11 to C++20), without exceptions, and with libev's EV_COMPAT3=0/EV_USE_STDEXCEPT=0.
# Installed, the header marks itself a system header (as libev's is, in /usr/include), which
# hides its warnings from programs, so this check compiles a copy without that line:
#  - tests/harness/cxx_header_use.cc, which uses every name the header declares, with each
#    C++ compiler found ($CXX, and clang++ when installed), then runs it once without exceptions;
#  - the example in docs/cxx.md, and every C++ program of the differential suite
#    (tests/compat/cxx_*.cc) as C++20.
set -u

cxx=${CXX:-c++}
compilers=$cxx
if command -v clang++ >/dev/null 2>&1 && [ "$(command -v "$cxx")" != "$(command -v clang++)" ]; then
  compilers="$compilers clang++"
fi
strict="-Wall -Wextra -Wshadow -pedantic -Werror"

work=$(mktemp -d "${TMPDIR:-/tmp}/evring-cxx-header.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
sed '/#pragma GCC system_header/d' "$abs_top_srcdir/ev/ev++.h" >"$work/ev++.h"
cp "$abs_top_srcdir/ev/ev.h" "$work/ev.h"
grep -q 'system_header' "$work/ev++.h" && {
  echo "FAIL: could not strip the system_header pragma from ev++.h"
  exit 1
}

use=$abs_top_srcdir/tests/harness/cxx_header_use.cc
passed=0
failed=0
# compile DESCRIPTION COMPILER ARGS...: one warning-free compile, or a FAIL with its output
compile() {
  what=$1
  shift
  if output=$("$@" 2>&1); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: $what"
    echo "$output" | head -n 40
  fi
}

for compiler in $compilers; do
  for std in c++11 c++14 c++17 c++20; do
    compile "$compiler -std=$std" \
      "$compiler" -std=$std $strict -I"$work" -fsyntax-only "$use"
  done
  compile "$compiler -std=c++17 -fno-exceptions -fno-rtti" \
    "$compiler" -std=c++17 $strict -fno-exceptions -fno-rtti -I"$work" -fsyntax-only "$use"
  compile "$compiler -std=c++11 -DEV_COMPAT3=0 -DEV_USE_STDEXCEPT=0" \
    "$compiler" -std=c++11 $strict -DEV_COMPAT3=0 -DEV_USE_STDEXCEPT=0 -I"$work" -fsyntax-only \
    "$use"
done

# The example in docs/cxx.md, so that the documentation cannot show code that does not work.
awk '/^```cpp$/ { inside = 1; next } inside && /^```$/ { exit } inside' \
  "$abs_top_srcdir/docs/cxx.md" >"$work/docs_example.cc"
compile "the example in docs/cxx.md" \
  "$cxx" -std=c++17 $strict -I"$work" -fsyntax-only "$work/docs_example.cc"

for program in "$abs_top_srcdir"/tests/compat/cxx_*.cc; do
  [ -f "$program" ] || continue
  compile "$(basename "$program") as C++20" \
    "$cxx" -std=c++20 -Wall -Wextra -Werror -I"$work" -fsyntax-only "$program"
done

# Run without exceptions against the library just built: no ev::bad_loop, a null raw_loop.
compile "cxx_header_use built with -fno-exceptions" \
  "$cxx" -std=c++17 $strict -fno-exceptions ${SANITIZE_FLAGS:-} -I"$work" -o "$work/use" "$use" \
  "$abs_top_builddir/.libs/libevring.a"
if [ -x "$work/use" ]; then
  if output=$("$work/use" 2>&1); then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL: cxx_header_use without exceptions: $output"
  fi
fi

echo "ev++.h with $compilers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
