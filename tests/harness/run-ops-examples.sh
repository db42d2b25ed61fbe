#!/bin/sh
# Runs the completion-I/O example servers (examples/echo_ops, examples/http_ops) on every
# backend the kernel offers, with and without pooled receives: tests/harness/ops_example_client
# exchanges messages or requests with each, keeps one connection open, and the server must then
# stop cleanly on SIGTERM (exit 0, the open connection closed). Every step is bounded. Each
# server run counts as one case in the totals.
set -u
. "$abs_top_srcdir/tests/harness/report.sh"
examples="$abs_top_builddir/examples"
client="$abs_top_builddir/tests/harness/ops_example_client"
status=0
passed=0
failed=0

backends="select poll epoll"
if "$abs_top_builddir/tests/harness/kernel_has_io_uring" >/dev/null; then
  backends="$backends io_uring"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/evring-ops-examples.XXXXXX") || exit 99
trap 'rm -rf "$work"' EXIT

# run_one SERVER PROTOCOL BACKEND [-P]
run_one() {
  server=$1 protocol=$2 backend=$3
  shift 3
  name="$(basename "$server") -b $backend $*"
  mkfifo "$work/server" "$work/client" || exit 99
  timeout --foreground 60 "$server" -p 0 -b "$backend" "$@" >"$work/server" 2>&1 &
  server_pid=$!
  exec 3<"$work/server"
  port=
  while read -r line <&3; do
    echo "$line"
    case $line in port=*) port=${line#port=} && break ;; esac
  done
  if [ -z "$port" ]; then
    wait "$server_pid"
    echo "FAIL: $name did not listen (exit status $?)"
    status=1
    failed=$((failed + 1))
    exec 3<&-
    rm -f "$work/server" "$work/client"
    return
  fi
  timeout 60 "$client" "$protocol" "$port" >"$work/client" &
  client_pid=$!
  # SIGTERM once the client holds its last connection open (or gave up before that).
  signalled=no
  while read -r line; do
    echo "  $line"
    if [ "$line" = holding ]; then
      kill -TERM "$server_pid"
      signalled=yes
    fi
  done <"$work/client"
  wait "$client_pid"
  client_status=$?
  [ "$signalled" = yes ] || kill -TERM "$server_pid"
  cat <&3
  exec 3<&-
  wait "$server_pid"
  server_status=$?
  rm -f "$work/server" "$work/client"
  if [ "$client_status" -ne 0 ] || [ "$server_status" -ne 0 ]; then
    echo "FAIL: $name: client exit status $client_status, server exit status $server_status"
    status=1
    failed=$((failed + 1))
  else
    echo "$name: ok"
    passed=$((passed + 1))
  fi
}

for backend in $backends; do
  for pooled in "" -P; do
    run_one "$examples/echo_ops" echo "$backend" $pooled
    run_one "$examples/http_ops" http "$backend" $pooled
  done
done
show "ops examples: $passed passed, $failed failed"
finish "$passed" "$failed" "$status"
