#!/bin/sh
# Builds the behaviour tests against the system libev 4.33 (the reference implementation) and
# runs them: once per backend without the backend-independent [core] tests, then the [core]
# tests once. Tests tagged [evring] cover evring-only behaviour and are always excluded here.
#
# Usage: tests/build-against-libev.sh [extra Catch2 arguments...]
# Environment:
#   BUILD_DIR  where objects and the binary go   (default /tmp/evring-tests-libev)
#   BACKENDS   backends to run                    (default "select poll epoll")
#   REPEAT     runs per backend, to expose flakes (default 1)
#   CXX, CXXFLAGS, JOBS (parallel compiles, default 2)
# Exit status is non-zero if any run failed. A backend the kernel cannot provide prints
# "SKIP: ..." and counts as passed.
set -eu

src_dir=$(cd "$(dirname "$0")" && pwd)
build_dir=${BUILD_DIR:-/tmp/evring-tests-libev}
backends=${BACKENDS:-select poll epoll}
repeat=${REPEAT:-1}
binary="$build_dir/evring-tests"

mkdir -p "$build_dir"

# -MMD keeps rebuilds incremental: catch.hpp makes main.o the slow one, and it rarely changes.
make -s -j"${JOBS:-2}" -C "$build_dir" -f - <<EOF
CXX = ${CXX:-g++}
CXXFLAGS = ${CXXFLAGS:--std=c++17 -O1 -g -Wall -Wextra -pthread}
SOURCES = \$(wildcard $src_dir/*.cpp)
OBJECTS = \$(patsubst $src_dir/%.cpp,%.o,\$(SOURCES))

$binary: \$(OBJECTS)
	\$(CXX) \$(CXXFLAGS) -o \$@ \$^ -lev

%.o: $src_dir/%.cpp
	\$(CXX) \$(CXXFLAGS) -MMD -MP -c -o \$@ \$<

-include \$(OBJECTS:.o=.d)
EOF

failures=0
# run LABEL BACKEND CATCH-ARGS...
run() {
  label=$1
  backend=$2
  shift 2
  start=$(date +%s.%N)
  if env EVRING_TEST_BACKEND="$backend" "$binary" "$@"; then
    status=passed
  else
    status=FAILED
    failures=$((failures + 1))
  fi
  end=$(date +%s.%N)
  echo "$label $status $start $end" | awk '{ printf "=== %s: %s (%.1f s)\n", $1, $2, $4 - $3 }'
}

for backend in $backends; do
  i=1
  while [ "$i" -le "$repeat" ]; do
    run "$backend#$i" "$backend" '~[core]~[evring]' "$@"
    i=$((i + 1))
  done
done
# Backend-independent tests: once, on the default backend.
run core epoll '[core]~[evring]' "$@"

if [ "$failures" -ne 0 ]; then
  echo "=== $failures run(s) failed"
  exit 1
fi
echo "=== all runs passed"
