#!/bin/bash
# Real programs from Debian packages that link libev.so.4, run unmodified on evring through
# evring-run on every backend (make check-apps; docs/binary-compat.md):
#  - nghttp2: nghttpd serves h2load's requests over h2c and over TLS; every request must
#    succeed. Both programs run on evring, with two worker threads (a loop each) on both sides.
#  - python3-gevent: gevent_*.py print on evring exactly what they print on libev.
# A package that is not installed is skipped with the reason; nothing is installed here (CI
# installs them: .ci/run). Everything runs on loopback, every run is bounded in time. Each
# (program, backend) prints PASS or FAIL; the last line is "apps: N passed, M failed".
#
# usage: run.sh EVRING_RUN [KERNEL_HAS_IO_URING]
#   EVRING_RUN           the evring-run to use (make check-apps: tools/evring-run-uninstalled)
#   KERNEL_HAS_IO_URING  a command that succeeds when io_uring is usable (else io_uring is
#                        skipped); by default io_uring is tried
set -u
evring_run=${1:?usage: run.sh EVRING_RUN [KERNEL_HAS_IO_URING]}
if [ -n "${SANITIZE_FLAGS:-}" ]; then
  echo "SKIP: this build's libevring.so needs the sanitizer runtimes ($SANITIZE_FLAGS)," \
    "which the packaged programs do not load"
  echo "apps: 0 passed, 0 failed"
  exit 0
fi
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/evring-apps.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
PATH=$PATH:/usr/sbin:/sbin # nghttpd lives in /usr/sbin

backends="select poll epoll io_uring"
if [ $# -ge 2 ] && ! io_uring_reason=$("$2"); then
  echo "SKIP io_uring: $io_uring_reason"
  backends="select poll epoll"
fi

passed=0
failed=0
# verdict PASS|FAIL NAME BACKEND [DETAILS...]
verdict() {
  echo "$1 $2 $3"
  if [ "$1" = PASS ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    shift 3
    [ $# -eq 0 ] || printf '  %s\n' "$@"
  fi
}

# on_backend STDERR BACKEND: true when evring (EVRING_DEBUG) said in STDERR that a loop uses
# BACKEND and no loop uses another: the program really ran on evring, where it was sent.
on_backend() {
  grep -q "^evring: loop .* uses backend $2 " "$1" &&
    ! grep "^evring: loop .* uses backend " "$1" | grep -vq " uses backend $2 "
}

# ---- nghttp2: nghttpd and h2load ---------------------------------------------------------------

# free_port: prints a loopback TCP port nobody listens on now.
free_port() {
  local port
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# start_nghttpd BACKEND LOG http|https: starts nghttpd on evring on a free port, sets
# server_pid and port once it accepts connections. nghttpd says nothing when it is ready, so
# its port is polled (bounded); a port taken meanwhile makes it exit, and another is tried.
start_nghttpd() {
  local backend=$1 log=$2 attempt options=(--no-tls) files=()
  if [ "$3" = https ]; then
    options=() files=("$work/key.pem" "$work/cert.pem")
  fi
  for attempt in 1 2 3; do
    port=$(free_port) || return 1
    timeout 120 "$evring_run" --debug --backend "$backend" nghttpd --address=127.0.0.1 -n 2 \
      -d "$work/htdocs" "${options[@]}" "$port" "${files[@]}" >"$log" 2>&1 </dev/null &
    server_pid=$!
    for _ in $(seq 100); do
      kill -0 "$server_pid" 2>/dev/null || break
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
      sleep 0.1
    done
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    echo "  nghttpd on port $port did not start (attempt $attempt):" >>"$log.attempts"
    cat "$log" >>"$log.attempts"
  done
  return 1
}

# h2load_case SCHEME BACKEND: nghttpd serves 10000 requests from h2load over SCHEME (http: h2c,
# https: TLS), 20 connections and 10 streams each, both on evring with BACKEND.
h2load_case() {
  local scheme=$1 backend=$2 name=nghttpd-h2load-h2c status details=() n=10000
  [ "$scheme" = https ] && name=nghttpd-h2load-tls
  local server_log=$work/$name.$backend.server client_log=$work/$name.$backend.client
  if ! start_nghttpd "$backend" "$server_log" "$scheme"; then
    verdict FAIL "$name" "$backend" "nghttpd did not start:" "$(cat "$server_log.attempts")"
    return
  fi
  timeout 60 "$evring_run" --debug --backend "$backend" h2load -n $n -c 20 -m 10 -t 2 \
    "$scheme://127.0.0.1:$port/index.html" >"$client_log" 2>&1 </dev/null
  status=$?
  local requests codes
  requests=$(grep '^requests:' "$client_log")
  codes=$(grep '^status codes:' "$client_log")
  [ $status -eq 0 ] || details+=("h2load exit status $status")
  [ "$requests" = "requests: $n total, $n started, $n done, $n succeeded, 0 failed, 0 errored, 0 timeout" ] ||
    details+=("h2load: ${requests:-no summary}")
  [ "$codes" = "status codes: $n 2xx, 0 3xx, 0 4xx, 0 5xx" ] ||
    details+=("h2load: ${codes:-no status codes}")
  on_backend "$client_log" "$backend" || details+=("h2load did not run on evring's $backend")
  if kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid"
  else
    details+=("nghttpd exited during the run")
  fi
  wait "$server_pid"
  status=$?
  [ $status -eq 143 ] || [ $status -eq 0 ] || details+=("nghttpd exit status $status")
  on_backend "$server_log" "$backend" || details+=("nghttpd did not run on evring's $backend")
  if [ ${#details[@]} -eq 0 ]; then
    verdict PASS "$name" "$backend"
  else
    verdict FAIL "$name" "$backend" "${details[@]}" "h2load's output:" "$(tail -n 20 "$client_log")" \
      "nghttpd's output:" "$(tail -n 20 "$server_log")"
  fi
}

nghttp2_cases() {
  if ! command -v nghttpd >/dev/null || ! command -v h2load >/dev/null; then
    echo "SKIP nghttp2: nghttpd or h2load not installed (Debian: apt-get install nghttp2-server" \
      "nghttp2-client)"
    return
  fi
  mkdir -p "$work/htdocs"
  head -c 3000 /dev/urandom | od -An -tx1 >"$work/htdocs/index.html"
  local schemes=http
  if command -v openssl >/dev/null &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
      -subj /CN=127.0.0.1 -keyout "$work/key.pem" -out "$work/cert.pem" >"$work/openssl.log" 2>&1; then
    schemes="http https"
  else
    echo "SKIP nghttpd-h2load-tls: cannot make a throwaway certificate with openssl"
  fi
  local backend scheme
  for backend in $backends; do
    for scheme in $schemes; do h2load_case "$scheme" "$backend"; done
  done
}

# ---- python3-gevent ----------------------------------------------------------------------------

# gevent chooses its backend itself (GEVENT_BACKEND) and creates its loops with EVFLAG_NOENV,
# so evring-run's --backend does not reach it.
gevent_backend_name() {
  case $1 in
    io_uring) echo linux_iouring ;;
    *) echo "$1" ;;
  esac
}

gevent_cases() {
  local python=/usr/bin/python3 program name backend status details
  if ! [ -x $python ] || ! $python -c 'import gevent' 2>/dev/null; then
    echo "SKIP gevent: $python cannot import gevent (Debian: apt-get install python3-gevent)"
    return
  fi
  for program in "$here"/gevent_*.py; do
    name=$(basename "$program" .py)
    # The reference: libev, gevent's default backend.
    env -u GEVENT_BACKEND -u LD_LIBRARY_PATH timeout 120 $python "$program" \
      >"$work/$name.libev" 2>"$work/$name.libev.stderr" </dev/null
    status=$?
    if [ $status -ne 0 ]; then
      verdict FAIL "$name" libev "exit status $status on libev itself:" \
        "$(cat "$work/$name.libev" "$work/$name.libev.stderr")"
      continue
    fi
    for backend in $backends; do
      details=()
      GEVENT_BACKEND=$(gevent_backend_name "$backend") timeout 120 "$evring_run" --debug \
        $python "$program" >"$work/$name.$backend" 2>"$work/$name.$backend.stderr" </dev/null
      status=$?
      [ $status -eq 0 ] || details+=("exit status $status")
      diff -u --label libev --label "evring $backend" "$work/$name.libev" \
        "$work/$name.$backend" >"$work/$name.$backend.diff" || details+=("$(cat "$work/$name.$backend.diff")")
      on_backend "$work/$name.$backend.stderr" "$backend" ||
        details+=("did not run on evring's $backend")
      if [ ${#details[@]} -eq 0 ]; then
        verdict PASS "$name" "$backend"
      else
        verdict FAIL "$name" "$backend" "${details[@]}" "stderr:" \
          "$(tail -n 20 "$work/$name.$backend.stderr")"
      fi
    done
  done
}

nghttp2_cases
gevent_cases
echo "apps: $passed passed, $failed failed"
[ $failed -eq 0 ]
