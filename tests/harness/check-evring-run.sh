#!/bin/sh
# Tests evring-run (tools/evring-run.in) through its uninstalled copy, which points at the build
# tree's libev.so.4 link: every option and every error, and, with a program built against libev
# (tests/harness/evring_run_probe.c), that the program really runs on evring with what was asked.
set -u
. "$abs_top_srcdir/tests/harness/report.sh"

evring_run="$abs_top_builddir/tools/evring-run-uninstalled"
libev_dir="$abs_top_builddir/tools/libev"
cc=${CC:-cc}
passed=0
failed=0

# run_case DESCRIPTION STATUS PATTERNS COMMAND...: runs COMMAND (stdin closed, bounded in time).
# It passes when COMMAND exits with STATUS and its output, stdout and stderr together, has a line
# matching each line of PATTERNS (extended regular expressions).
run_case() {
  description=$1
  want_status=$2
  patterns=$3
  shift 3
  output=$(timeout 30 "$@" 2>&1 </dev/null)
  status=$?
  verdict=PASS
  [ "$status" -eq "$want_status" ] || verdict=FAIL
  missing=$(printf '%s\n' "$patterns" | while IFS= read -r pattern; do
    printf '%s\n' "$output" | grep -Eq -- "$pattern" || printf '%s\n' "$pattern"
  done)
  [ -z "$missing" ] || verdict=FAIL
  if [ $verdict = PASS ]; then
    echo "PASS $description"
    passed=$((passed + 1))
  else
    echo "FAIL $description: exit status $status (want $want_status); output:"
    printf '%s\n' "$output" | sed 's/^/    /'
    [ -z "$missing" ] || printf '%s\n' "$missing" | sed 's/^/  no line matching: /'
    failed=$((failed + 1))
  fi
}

work=$(mktemp -d "${TMPDIR:-/tmp}/evring-run-test.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT
no_libev="$abs_top_builddir/tests/harness/kernel_has_io_uring"

run_case "--help" 0 "^usage: evring-run \[--backend NAME\] \[--debug\] PROGRAM" \
  "$evring_run" --help
run_case "--version" 0 "^evring-run \(evring\) [0-9]+\.[0-9]+" "$evring_run" --version
run_case "no PROGRAM" 2 "no PROGRAM given" "$evring_run"
run_case "an unknown option" 2 "unknown option --frobnicate" "$evring_run" --frobnicate true
run_case "--backend with an unknown name" 2 "unknown backend 'kqueue': use io_uring, epoll" \
  "$evring_run" --backend kqueue true
run_case "--backend without a NAME" 2 "--backend needs a NAME" "$evring_run" --backend
run_case "a PROGRAM that is not found" 127 "no-such-program: not found" \
  "$evring_run" no-such-program
run_case "--check of a PROGRAM that is not found" 127 "no-such-program: not found" \
  "$evring_run" --check no-such-program
run_case "--check with arguments" 2 "--check takes one PROGRAM" \
  "$evring_run" --check "$no_libev" extra
run_case "--check of a program without libev" 1 "does not link libev.so.4" \
  "$evring_run" --check "$no_libev"

if [ "$HAVE_LIBEV" != yes ]; then
  echo "SKIP: the cases that run a program built against libev: configure found no libev" \
    "(Debian: apt-get install libev-dev, then re-run configure)"
  finish "$passed" "$failed" "$([ "$failed" -eq 0 ] && echo 0 || echo 1)"
fi

# probe: linked with libev. through: needs libev only through libthrough.so.
mkdir -p "$work/bin" "$work/lib"
printf '#include <ev.h>\nint through_major(void) { ev_default_loop(0); return ev_version_major(); }\n' \
  >"$work/through.c"
printf 'int through_major(void);\nint main(void) { return through_major() != 4; }\n' \
  >"$work/main.c"
if ! "$cc" -std=gnu11 -o "$work/bin/probe" "$abs_top_srcdir/tests/harness/evring_run_probe.c" \
  -lev >"$work/build.log" 2>&1 ||
  ! "$cc" -shared -fPIC -o "$work/lib/libthrough.so" "$work/through.c" -lev >>"$work/build.log" 2>&1 ||
  ! "$cc" -o "$work/bin/through" "$work/main.c" -L"$work/lib" -lthrough -Wl,-rpath,"$work/lib" \
    >>"$work/build.log" 2>&1; then
  echo "FAIL: cannot build the test programs against libev:"
  cat "$work/build.log"
  finish "$passed" 1 1
fi
probe="$work/bin/probe"

run_case "PROGRAM runs on evring, with its arguments and exit status" 3 \
  "^library libevring\.so
^argument a$
^argument b c$
^argument $
^LD_LIBRARY_PATH $libev_dir$" \
  env -u LD_LIBRARY_PATH -u EVRING_BACKEND -u LIBEV_FLAGS "$evring_run" "$probe" a "b c" ""
run_case "LD_LIBRARY_PATH keeps what it had, after evring's directory" 0 \
  "^LD_LIBRARY_PATH $libev_dir:/some/where$" \
  env LD_LIBRARY_PATH=/some/where "$evring_run" "$probe"
backends="select=1 poll=2 epoll=4"
if "$abs_top_builddir/tests/harness/kernel_has_io_uring" >/dev/null; then
  backends="$backends io_uring=128 iouring=128"  # iouring: EVRING_BACKEND's other spelling
else
  echo "SKIP: --backend io_uring and iouring: the kernel offers no io_uring"
fi
for entry in $backends; do
  run_case "--backend ${entry%=*}" 0 "^library libevring
^backend ${entry#*=}$" env -u LIBEV_FLAGS "$evring_run" --backend "${entry%=*}" "$probe"
done
run_case "--backend=NAME" 0 "^backend 2$" env -u LIBEV_FLAGS "$evring_run" --backend=poll "$probe"
run_case "--debug" 0 "^evring: loop .* uses backend epoll
^backend 4$" env -u LIBEV_FLAGS "$evring_run" --debug --backend epoll "$probe"
run_case "--debug names the --backend a program with EVFLAG_NOENV ignores" 1 \
  "^evring: loop .* \(EVFLAG_NOENV: EVRING_BACKEND=select ignored\)" \
  env -u LIBEV_FLAGS "$evring_run" --debug --backend select "$probe" --noenv
run_case "PROGRAM found in PATH" 0 "^library libevring" \
  env PATH="$work/bin:$PATH" "$evring_run" probe
run_case "-- ends the options" 0 "^library libevring" "$evring_run" -- "$probe"

# The loader's secure mode: set-user-ID to another user, set-group-ID to another group, file
# capabilities for anyone but root. Files of another owner can only be made by root.
refused="gives privileges \\(set-user-ID or set-group-ID to another owner, or file capabilities\\):"
cp "$probe" "$work/bin/setuid-own" && chmod u+s "$work/bin/setuid-own"
run_case "a PROGRAM set-user-ID to the caller runs on evring" 0 "^library libevring" \
  "$evring_run" "$work/bin/setuid-own"
if [ "$(id -u)" -eq 0 ]; then
  cp "$probe" "$work/bin/setuid-other" && chown nobody "$work/bin/setuid-other" &&
    chmod u+s "$work/bin/setuid-other"
  cp "$probe" "$work/bin/setgid-other" && chgrp "$(id -gn nobody)" "$work/bin/setgid-other" &&
    chmod g+s "$work/bin/setgid-other"
  run_case "a PROGRAM set-user-ID to another user is refused" 126 "setuid-other $refused" \
    "$evring_run" "$work/bin/setuid-other"
  run_case "a PROGRAM set-group-ID to another group is refused" 126 "setgid-other $refused" \
    "$evring_run" "$work/bin/setgid-other"
  run_case "--check of a program set-user-ID to another user" 1 \
    "setuid-other links libev.so.4, but it $refused" "$evring_run" --check "$work/bin/setuid-other"
  cp "$probe" "$work/bin/capable" && chmod 755 "$work" "$work/bin"
  if PATH=$PATH:/usr/sbin:/sbin setcap cap_net_bind_service+ep "$work/bin/capable" 2>/dev/null &&
    command -v setpriv >/dev/null; then
    run_case "a PROGRAM with file capabilities runs on evring for root" 0 "^library libevring" \
      "$evring_run" "$work/bin/capable"
    run_case "a PROGRAM with file capabilities is refused for another user" 126 \
      "capable $refused" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
      "$evring_run" "$work/bin/capable"
  else
    echo "SKIP: a PROGRAM with file capabilities: setcap or setpriv is missing or not permitted"
  fi
else
  echo "SKIP: programs set-user-ID to another user, set-group-ID to another group or with file" \
    "capabilities: making them needs root"
fi

run_case "--check of a program linked with libev" 0 "probe links libev.so.4: evring-run runs it" \
  "$evring_run" --check "$probe"
run_case "--check of a program that needs libev through a library" 0 \
  "through links libev.so.4" "$evring_run" --check "$work/bin/through"
run_case "--check looks PROGRAM up in PATH" 0 "^$work/bin/probe links libev.so.4" \
  env PATH="/nonexistent::$work/bin:$PATH" "$evring_run" --check probe
run_case "a program that needs libev through a library runs on evring" 0 \
  "^evring: loop .* uses backend" "$evring_run" --debug "$work/bin/through"

echo "$passed passed, $failed failed"
finish "$passed" "$failed" "$([ "$failed" -eq 0 ] && echo 0 || echo 1)"
