#!/bin/bash
# Differential compatibility suite: every *.c program here (and every *.cc program, against
# libev's and evring's <ev++.h>) is built against the real libev 4.33 (the oracle) and against
# evring, run on each backend, and stdout plus exit status must match byte for byte. See
# README.md.
set -u

usage() {
  cat <<'USAGE'
usage: run.sh [--oracle-only | --binary=RUNNER] [CFLAGS=...] [LIBS=...] [program...]

  --oracle-only   build and run only the libev side, three times per backend, and check that
                  every program exits 0 and prints the same output each time
  --binary=RUNNER binary compatibility: the evring side is the libev build itself, run through
                  RUNNER (evring-run), which substitutes evring's library for libev.so.4
  CFLAGS=, LIBS=  how to compile and link against evring (same as EVRING_CFLAGS/EVRING_LIBS)
  program...      run only these programs (names without .c or .cc)

environment:
  EVRING_CFLAGS, EVRING_LIBS  default: pkg-config --cflags / --libs evring
  COMPAT_BACKENDS             LIBEV_FLAGS values to test, default "1 2 4 4/128
                              1:select_skips_closed" (128 = io_uring; LIBEV/EVRING gives each
                              side its own flags, FLAGS:SHIM runs under LD_PRELOAD of
                              shims/SHIM.c)
  COMPAT_BUILD_DIR            where binaries and outputs go, default a fresh temporary dir
  LIBEV_EVENT_INCLUDE         directory holding libev's event.h (Debian: libev-libevent-dev),
                              for the evt_* programs; without it they are skipped
  CC, CXX                     compilers for *.c and *.cc, default cc and c++
USAGE
}

here=$(cd "$(dirname "$0")" && pwd)
mode=compare
programs=()
for arg in "$@"; do
  case $arg in
    --oracle-only) mode=oracle ;;
    --binary=*) mode=binary evring_runner=${arg#--binary=} ;;
    CFLAGS=*) EVRING_CFLAGS=${arg#CFLAGS=} ;;
    LIBS=*) EVRING_LIBS=${arg#LIBS=} ;;
    -h | --help) usage && exit 0 ;;
    -*) usage >&2 && exit 2 ;;
    *) programs+=("$(basename "${arg%.c}" .cc)") ;;
  esac
done
if [ ${#programs[@]} -eq 0 ]; then
  for source in "$here"/*.c "$here"/*.cc; do
    [ -f "$source" ] && programs+=("$(basename "${source%.c}" .cc)")
  done
fi

cc=${CC:-cc}
backends=${COMPAT_BACKENDS:-1 2 4 4/128 1:select_skips_closed}

# Programs whose output cannot match when evring runs another backend than libev (LIBEV/EVRING),
# and why. docs/io_uring.md explains the io_uring differences.
declare -A cross_backend_exceptions=(
  [compat_names]="prints the backend number"
  [loop_misc]="prints the backend number"
  [api_io_modify_reused_fd]="ev_io_modify misused on a reused fd number: epoll lost the closed file's registration, io_uring polls the number"
  [fdx_dup]="closes and dup2()s watched fds behind the loop's back: epoll keeps or forgets the file's registration, io_uring reports EBADF as EV_ERROR"
  [fdx_reuse_in_cb]="closes a watched fd behind the loop's back: epoll forgets it silently, io_uring reports EBADF as EV_ERROR"
  [fdx_reuse_wakeup]="a stopped fd's number is taken by a new ready file nobody watches: io_uring checks the number before blocking and wakes once, epoll's registration went with the old file"
  [fdx_stop_close_reuse]="a stopped fd's number is taken by a new ready file nobody watches: io_uring checks the number before blocking and wakes once, epoll's registration went with the old file"
  [cfx_io_stale_ready]="an fd drained outside the loop after it woke: io_uring reports the readiness of the wake-up (as libev's io_uring does), epoll checks again"
  [cfx_io_stale_write]="a pipe drained and refilled outside the loop: io_uring reports the readiness of the wake-up (as libev's io_uring does), epoll checks again"
  [cfx_fork_signal_async]="its parent drains a pipe the loop was woken for: io_uring reports the readiness of the wake-up, epoll checks again"
)
common_flags=(-std=gnu11 -O1 -g -Wall -Wextra)
# C++ programs link libstdc++ themselves (c++ does that); libevring.a needs nothing of it.
cxx=${CXX:-c++}
cxx_flags=(-std=gnu++17 -O1 -g -Wall -Wextra -pthread)
if [ -n "${COMPAT_BUILD_DIR:-}" ]; then
  build_dir=$COMPAT_BUILD_DIR
  mkdir -p "$build_dir"
else
  build_dir=$(mktemp -d "${TMPDIR:-/tmp}/evring-compat.XXXXXX")
  trap 'rm -rf "$build_dir"' EXIT
fi

if [ $mode = compare ]; then
  if [ -z "${EVRING_CFLAGS+set}" ] || [ -z "${EVRING_LIBS+set}" ]; then
    pkg-config --exists evring 2>/dev/null || {
      echo "run.sh: evring not found by pkg-config; set EVRING_CFLAGS/EVRING_LIBS" >&2
      exit 2
    }
  fi
  EVRING_CFLAGS=${EVRING_CFLAGS-$(pkg-config --cflags evring)}
  EVRING_LIBS=${EVRING_LIBS-$(pkg-config --libs evring)}
fi

passed=0
failed=0

report() { # verdict program backend [details-file]
  echo "$1 $2 $3"
  [ $# -gt 3 ] && cat "$4"
  if [ "$1" = PASS ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}

# program -> prints its source file, program.c or program.cc
source_of() {
  if [ -f "$here/$1.cc" ]; then echo "$here/$1.cc"; else echo "$here/$1.c"; fi
}

# build side program -> prints nothing, leaves $build_dir/side/program or side/program.log
build() {
  local side=$1 program=$2 flags libs source compile=("$cc" "${common_flags[@]}")
  source=$(source_of "$program")
  [[ $source == *.cc ]] && compile=("$cxx" "${cxx_flags[@]}")
  mkdir -p "$build_dir/$side"
  if [ "$side" = libev ]; then
    flags=(-I/usr/include) libs=(-lev)
    # evt_* programs include <event.h>: libev's, found ahead of libevent's /usr/include/event.h
    [[ $program == evt_* ]] && flags=(-I"$LIBEV_EVENT_INCLUDE" "${flags[@]}")
  else
    read -r -a flags <<<"$EVRING_CFLAGS"
    read -r -a libs <<<"$EVRING_LIBS"
  fi
  "${compile[@]}" "${flags[@]}" "$source" -o "$build_dir/$side/$program" \
    "${libs[@]}" >"$build_dir/$side/$program.log" 2>&1
}

# shim name -> prints the path of shims/name.c built as a preloadable library
shim_library() {
  local library=$build_dir/shims/$1.so
  if [ ! -f "$library" ]; then
    mkdir -p "$build_dir/shims"
    "$cc" -shared -fPIC "${common_flags[@]}" "$here/shims/$1.c" -o "$library" -ldl >&2 || return 1
  fi
  echo "$library"
}

# run binary side backend output: stdout plus the exit status, stdin closed off, bounded in
# time. backend is a LIBEV_FLAGS value for both sides, or LIBEV/EVRING to give the sides
# different ones, optionally followed by :shim to run under that shim.
run() {
  local status preload= flags=${3%%:*} runner=()
  if [[ $flags == */* ]]; then
    if [ "$2" = libev ]; then flags=${flags%/*}; else flags=${flags#*/}; fi
  fi
  if [[ $3 == *:* ]]; then
    preload=$(shim_library "${3#*:}") || preload=/nonexistent-shim
  fi
  [ "$2" = evring ] && runner=("${evring_run[@]}")
  env -u EVRING_BACKEND LIBEV_FLAGS="$flags" ${preload:+LD_PRELOAD=$preload} timeout 20 \
    "${runner[@]}" "$1" </dev/null >"$4" 2>"$4.stderr"
  status=$?
  echo "exit status $status" >>"$4"
}

# A case that libev itself ends with an assertion (compat.h runs such cases in a child and
# prints "case ended by signal N") has no reference behaviour to compare with: evring reports
# an error there instead (tested by the Catch2 [evring] tests). Such case blocks are replaced
# by one line in both outputs. Usage: drop_aborted_cases libev-output file-to-filter
drop_aborted_cases() {
  awk -v reference="$1" '
    BEGIN {
      while ((getline line < reference) > 0) {
        if (line ~ /^case /) current = line
        else if (line ~ /^  case ended by signal /) aborted[current] = 1
      }
    }
    /^case / { skipping = ($0 in aborted); if (skipping) print $0 ": libev aborts, not compared" }
    /^exit status / { skipping = 0 }
    !skipping { print }
  ' "$2"
}

# The evring side of a program: its evring build, or in binary mode its libev build run through
# the runner.
evring_side=evring
evring_run=()
if [ $mode = binary ]; then
  evring_side=libev
  evring_run=("$evring_runner")
  # A runner that left the programs on libev would make every comparison pass.
  mkdir -p "$build_dir/probe"
  printf '#include <ev.h>\nint main(void) { return !ev_loop_new(EVBACKEND_SELECT); }\n' \
    >"$build_dir/probe/loop.c"
  if ! "$cc" "$build_dir/probe/loop.c" -o "$build_dir/probe/loop" -lev >/dev/null 2>&1 ||
    ! EVRING_DEBUG=1 "${evring_run[@]}" "$build_dir/probe/loop" 2>&1 | grep -q '^evring: loop'; then
    echo "run.sh: $evring_runner does not run programs built against libev on evring" >&2
    exit 2
  fi
fi

# io_uring on the evring side needs a kernel that lets evring use it.
uring_missing=
if [ $mode != oracle ] && [[ " $backends" == *"/128"* ]]; then
  mkdir -p "$build_dir/probe"
  printf '#include <ev.h>\nint main(void) { return !(ev_supported_backends() & EVBACKEND_IOURING); }\n' \
    >"$build_dir/probe/uring.c"
  if [ $mode = binary ]; then
    probe_flags=() probe_libs=(-lev)
  else
    read -r -a probe_flags <<<"$EVRING_CFLAGS"
    read -r -a probe_libs <<<"$EVRING_LIBS"
  fi
  if ! "$cc" "${probe_flags[@]}" "$build_dir/probe/uring.c" -o "$build_dir/probe/uring" \
    "${probe_libs[@]}" >/dev/null 2>&1 || ! "${evring_run[@]}" "$build_dir/probe/uring"; then
    uring_missing="evring cannot use io_uring on this kernel"
  fi
fi

for program in "${programs[@]}"; do
  if [ ! -f "$(source_of "$program")" ]; then
    echo "run.sh: no such program: $program" >&2
    failed=$((failed + 1))
    continue
  fi
  if [[ $program == evt_* ]] && [ ! -f "${LIBEV_EVENT_INCLUDE:-/nonexistent}/event.h" ]; then
    echo "SKIP $program: no libev event.h in LIBEV_EVENT_INCLUDE (Debian: apt-get download" \
      "libev-libevent-dev; dpkg -x it; point LIBEV_EVENT_INCLUDE at its usr/include)"
    continue
  fi
  sides=(libev)
  [ $mode = compare ] && sides+=(evring)
  build_failed=
  for side in "${sides[@]}"; do
    build "$side" "$program" || build_failed=$side
    [ -n "$build_failed" ] && break
  done
  for backend in $backends; do
    out=$build_dir/out/$program.${backend//\//-}
    mkdir -p "$build_dir/out"
    if [ $mode != oracle ] && [[ $backend == */* ]]; then
      reason=${cross_backend_exceptions[$program]:-}
      [[ $backend == */128* ]] && reason=${uring_missing:-$reason}
      if [ -n "$reason" ]; then
        echo "SKIP $program $backend: $reason"
        continue
      fi
    fi
    if [ -n "$build_failed" ]; then
      report FAIL "$program" "$backend" "$build_dir/$build_failed/$program.log"
      continue
    fi
    run "$build_dir/libev/$program" libev "$backend" "$out.libev"
    if [ $mode = oracle ]; then
      verdict=PASS
      : >"$out.diff"
      for attempt in 2 3; do
        run "$build_dir/libev/$program" libev "$backend" "$out.libev.$attempt"
        diff -u --label "run 1" --label "run $attempt" "$out.libev" "$out.libev.$attempt" \
          >>"$out.diff" || verdict=FAIL
      done
      if ! grep -qx "exit status 0" "$out.libev"; then
        verdict=FAIL
        { tail -n 1 "$out.libev"; cat "$out.libev.stderr"; } >>"$out.diff"
      fi
    else
      run "$build_dir/$evring_side/$program" evring "$backend" "$out.evring"
      verdict=PASS
      drop_aborted_cases "$out.libev" "$out.libev" >"$out.libev.cmp"
      drop_aborted_cases "$out.libev" "$out.evring" >"$out.evring.cmp"
      diff -u --label libev --label evring "$out.libev.cmp" "$out.evring.cmp" >"$out.diff" ||
        verdict=FAIL
    fi
    if [ $verdict = PASS ]; then report PASS "$program" "$backend"; else report FAIL "$program" "$backend" "$out.diff"; fi
  done
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
