#!/bin/bash
# The soak (make soak, make soak-short; docs/soak.md): real load on every backend, for a long
# time, with zero errors and flat memory and fds asserted.
#
# SOAK_SECONDS (default 3600) is the whole run, split evenly over the backends (select, poll,
# epoll, io_uring when the kernel has it). On each backend these run side by side for its share:
#  - the completion-I/O examples echo_ops and http_ops, with and without -P, and the ev_io echo
#    and HTTP server (tests/soak/ev_io_server: the benchmark's libev-API server), each driven by
#    tests/soak/soak_client (16 ping-pong connections, each replaced after 200 requests);
#  - nghttpd on evring (evring-run) driven by h2load on evring, HTTP/2 over loopback; skipped
#    with the reason when nghttp2-server or nghttp2-client is not installed, or in a sanitizer
#    build (the packaged programs cannot load its library);
#  - tests/soak/soak_server, the soak's own server (watcher churn, signals and asyncs from
#    threads, forks), which checks itself.
# Each load case: a warm-up run of the client, the server's RSS and fd count sampled once it
# is quiet, the main run (latency percentiles from it), the sample again once quiet, then
# SIGTERM. soak_server is sampled after its warm-up and just before its SIGTERM.
# Asserted per case: the client saw no error and answered requests; the server wrote nothing
# on stderr but evring's own debug lines, and ended as it should on SIGTERM; the fd count did
# not grow; RSS grew by at most RSS_SLACK_KB (not asserted in a sanitizer build: ASan's
# quarantine holds freed memory on purpose). Each (backend, case) prints one PASS or FAIL line
# with its figures; the last line is "soak: N passed, M failed".
#
# usage: run.sh BUILD_DIR   (make soak passes SOAK_SECONDS, SOAK_BACKENDS and SANITIZE_FLAGS)
set -u
build=${1:?usage: run.sh BUILD_DIR}
seconds=${SOAK_SECONDS:-3600}
sanitized=${SANITIZE_FLAGS:+yes}
soak=$build/tests/soak
evring_run=$build/tools/evring-run-uninstalled
# RSS may grow by this much between the two samples. A quiet server's RSS moves by a few pages
# (malloc's arenas and trimming, stdio): up to 44 kB for evring's servers, 100 kB for nghttpd,
# in the runs so far. 1 MiB is a leak of about 10 bytes a request at the 100 000 requests a case
# of soak-short serves, and of under a byte a request at the millions of a longer soak.
RSS_SLACK_KB=1024
CONNECTIONS=16
REQUESTS_PER_CONNECTION=200
FORK_INTERVAL=3

unset LIBEV_FLAGS EVRING_BACKEND EVRING_DEBUG
work=$(mktemp -d "${TMPDIR:-/tmp}/evring-soak.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

backends="select poll epoll"
if reason=$("$build/tests/harness/kernel_has_io_uring"); then
  backends="$backends io_uring"
else
  echo "SKIP io_uring: $reason"
fi
# SOAK_BACKENDS narrows the run to some of them, e.g. to give each backend its own hour in
# parallel runs (each then shares the CPUs with the others).
if [ -n "${SOAK_BACKENDS:-}" ]; then
  chosen=
  for backend in $SOAK_BACKENDS; do
    case " $backends " in
      *" $backend "*) chosen="$chosen $backend" ;;
      *) echo "SKIP $backend: not a backend this kernel offers ($backends)" ;;
    esac
  done
  backends=${chosen# }
  if [ -z "$backends" ]; then
    echo "SOAK_BACKENDS='$SOAK_BACKENDS' names no backend of: select poll epoll io_uring"
    echo "soak: 0 passed, 1 failed"
    exit 1
  fi
fi
set -- $backends
per_backend=$((seconds / $#))
warmup=$((per_backend / 10))
[ $warmup -ge 2 ] || warmup=2
[ $warmup -le 30 ] || warmup=30
# What is left after the warm-up, the settling and the sampling (about 6 s).
main=$((per_backend - warmup - 6))
if [ $main -lt 5 ]; then
  echo "SOAK_SECONDS=$seconds leaves $per_backend s per backend: at least $(((warmup + 11) * $#)) needed"
  echo "soak: 0 passed, 1 failed"
  exit 1
fi
bound=$((per_backend + 120)) # every program's own limit, through timeout(1)

nghttp=yes
if [ -n "$sanitized" ]; then
  nghttp="this build's libevring.so needs the sanitizer runtimes ($SANITIZE_FLAGS), which the packaged programs do not load"
elif ! command -v nghttpd >/dev/null && ! [ -x /usr/sbin/nghttpd ]; then
  nghttp="nghttpd not installed (Debian: apt-get install nghttp2-server)"
elif ! command -v h2load >/dev/null; then
  nghttp="h2load not installed (Debian: apt-get install nghttp2-client)"
fi
PATH=$PATH:/usr/sbin
[ "$nghttp" = yes ] || echo "SKIP nghttpd-h2load: $nghttp"

echo "soak: ${seconds} s over $# backends ($backends): $per_backend s each, warm-up ${warmup} s," \
  "main run ${main} s; RSS slack ${RSS_SLACK_KB} kB${sanitized:+ (not asserted: sanitizer build)}"

# ---- measuring a server --------------------------------------------------------------------

# fd_count PID: the process's open fds, but for files under $work/htdocs: nghttpd keeps a file
# it served open until nobody asked for it for about 2 s (its cache, not a leak), which would
# make its count depend on when it is sampled.
fd_count() {
  find "/proc/$1/fd" -mindepth 1 ! -lname "$work/htdocs/*" 2>/dev/null | wc -l
}

rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0
}

# settle PID: waits (at most 10 s) until the server's fd count stays the same for half a
# second: the client is gone, the server has closed its side.
settle() {
  local last=-1 same=0 count
  for _ in $(seq 100); do
    count=$(fd_count "$1")
    if [ "$count" = "$last" ]; then
      same=$((same + 1))
      [ $same -ge 5 ] && return
    else
      same=0 last=$count
    fi
    sleep 0.1
  done
}

# sample PID: "RSS_KB FDS": the fewest fds seen in ten looks over a second (a server that
# churns fds by itself has a few open for moments), and the RSS after them.
sample() {
  local fewest=999999 count
  for _ in $(seq 10); do
    count=$(fd_count "$1")
    [ "$count" -lt "$fewest" ] && fewest=$count
    sleep 0.1
  done
  echo "$(rss_kb "$1") $fewest"
}

# child_of PID: the process timeout(1) started.
child_of() {
  local child
  for _ in $(seq 50); do
    child=$(ps -o pid= --ppid "$1" | head -n 1)
    [ -n "$child" ] && echo $child && return
    sleep 0.1
  done
}

# ---- verdicts ------------------------------------------------------------------------------

# Each case writes $work/BACKEND.NAME.result: a PASS or FAIL line with its figures, then the
# problems, one a line. The cases of a backend run in the background, side by side.

# judge RESULT NAME FIGURES PROBLEMS...: writes the result file.
judge() {
  local result=$1 name=$2 figures=$3
  shift 3
  {
    if [ $# -eq 0 ]; then
      echo "PASS $name: $figures"
    else
      echo "FAIL $name: $figures"
      printf '  %s\n' "$@"
    fi
  } >"$result"
}

# check_growth START END problems-array-name: notes fd or RSS growth between the samples.
check_growth() {
  local -n into=$3
  local rss0 fds0 rss1 fds1
  read -r rss0 fds0 <<<"$1"
  read -r rss1 fds1 <<<"$2"
  [ "$fds1" -le "$fds0" ] || into+=("fds grew from $fds0 to $fds1")
  [ -n "$sanitized" ] || [ "$rss1" -le $((rss0 + RSS_SLACK_KB)) ] ||
    into+=("RSS grew from $rss0 kB to $rss1 kB (more than $RSS_SLACK_KB kB)")
}

# figures SAMPLE0 SAMPLE1 [CLIENT_LINE]: the case's figures, on one line.
figures() {
  local rss0 fds0 rss1 fds1
  read -r rss0 fds0 <<<"$1"
  read -r rss1 fds1 <<<"$2"
  if [ $# -lt 3 ]; then
    echo "rss_kb=$rss0->$rss1 fds=$fds0->$fds1"
    return
  fi
  local requests errors p99 duration connections
  requests=$(sed -n 's/.* requests=\([0-9]*\).*/\1/p' <<<"$3")
  connections=$(sed -n 's/.* connections=\([1-9][0-9]*\).*/ connections=\1/p' <<<"$3")
  errors=$(sed -n 's/.* errors=\([0-9]*\).*/\1/p' <<<"$3")
  p99=$(sed -n 's/.* p99_us=\([0-9]*\).*/\1/p' <<<"$3")
  duration=$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$3")
  echo "requests=${requests:-?}$connections errors=${errors:-?} rss_kb=$rss0->$rss1 fds=$fds0->$fds1" \
    "p99_us=${p99:-?} seconds=${duration:-?}"
}

# server_stderr_problems FILE problems-array-name: anything on stderr but evring's debug lines.
server_stderr_problems() {
  local -n into=$2
  local text
  text=$(grep -v '^evring: ' "$1" | head -n 5)
  [ -z "$text" ] || into+=("server stderr: $text")
}

# ---- the cases -----------------------------------------------------------------------------

# wait_port FILE: the port a server printed ("port=N" or {"port":N}), within 10 s.
wait_port() {
  local port
  for _ in $(seq 100); do
    port=$(sed -n 's/^port=\([0-9]*\)$/\1/p; s/^{"port":\([0-9]*\)}$/\1/p' "$1" | head -n 1)
    [ -n "$port" ] && echo "$port" && return
    sleep 0.1
  done
}

# load_case BACKEND NAME PROTOCOL EXPECTED_STATUS SERVER...: a server driven by soak_client.
# EXPECTED_STATUS is the server's exit status after SIGTERM (143: killed by it).
load_case() {
  local backend=$1 name=$2 protocol=$3 expected=$4
  shift 4
  local out=$work/$backend.$name problems=() port pid before after line status
  timeout $bound "$@" >"$out.stdout" 2>"$out.stderr" </dev/null &
  local runner=$!
  port=$(wait_port "$out.stdout")
  pid=$(child_of $runner)
  if [ -z "$port" ] || [ -z "$pid" ]; then
    kill $runner 2>/dev/null
    wait $runner
    judge "$out.result" "$backend $name" "-" "the server did not start: $(tail -n 3 "$out.stderr")"
    return
  fi
  "$soak/soak_client" "$protocol" "$port" $warmup $CONNECTIONS $REQUESTS_PER_CONNECTION \
    >"$out.warmup" 2>&1 || problems+=("warm-up: $(tr '\n' ' ' <"$out.warmup")")
  settle "$pid"
  before=$(sample "$pid")
  "$soak/soak_client" "$protocol" "$port" $main $CONNECTIONS $REQUESTS_PER_CONNECTION \
    >"$out.client" 2>&1 || problems+=("client: $(tr '\n' ' ' <"$out.client")")
  settle "$pid"
  after=$(sample "$pid")
  kill -TERM "$pid"
  wait $runner
  status=$?
  [ $status -eq "$expected" ] || problems+=("server exit status $status, not $expected")
  server_stderr_problems "$out.stderr" problems
  # The ops servers name their backend; the ev_io server exits 77 rather than run on another.
  ! grep -q ' backend ' "$out.stdout" || grep -q " backend $backend," "$out.stdout" ||
    problems+=("the server did not use $backend: $(head -n 1 "$out.stdout")")
  check_growth "$before" "$after" problems
  line=$(grep '^soak_client:' "$out.client")
  judge "$out.result" "$backend $name" "$(figures "$before" "$after" "$line")" "${problems[@]}"
}

# nghttpd_case BACKEND: nghttpd (two worker threads) and h2load, both on evring's BACKEND.
next_port=$((20000 + RANDOM % 8000))
nghttpd_case() {
  local backend=$1 out=$work/$1.nghttpd problems=() pid before after line status port
  port=$2
  mkdir -p "$work/htdocs" && echo "Hello, world" >"$work/htdocs/index.html"
  timeout $bound "$evring_run" --debug --backend "$backend" nghttpd --address=127.0.0.1 -n 2 \
    -d "$work/htdocs" --no-tls "$port" >"$out.stdout" 2>"$out.stderr" </dev/null &
  local runner=$!
  local url=http://127.0.0.1:$port/index.html listening=no
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && listening=yes && break
    sleep 0.1
  done
  pid=$(child_of $runner)
  if [ $listening = no ] || [ -z "$pid" ]; then
    kill $runner 2>/dev/null
    wait $runner
    judge "$out.result" "$backend nghttpd-h2load" "-" "nghttpd did not listen on $port: $(tail -n 3 "$out.stderr")"
    return
  fi
  local h2load=(timeout $bound "$evring_run" --backend "$backend" h2load -c $CONNECTIONS -m 4 -t 1)
  "${h2load[@]}" -D $warmup "$url" >"$out.warmup" 2>&1 ||
    problems+=("warm-up: h2load exit status $?: $(tail -n 3 "$out.warmup")")
  settle "$pid"
  before=$(sample "$pid")
  mkfifo "$out.fifo"
  "$soak/soak_client" h2load-log <"$out.fifo" >"$out.latency" &
  local reader=$!
  "${h2load[@]}" -D $main --log-file="$out.fifo" "$url" >"$out.client" 2>&1 ||
    problems+=("h2load exit status $?: $(tail -n 3 "$out.client")")
  # Should h2load have failed before opening its log, the reader is still waiting in open():
  # a writer that comes and goes lets it end (on Linux, opening a fifo read-write never blocks).
  exec {unblock}<>"$out.fifo"
  exec {unblock}>&-
  wait $reader || problems+=("h2load's log: $(tr '\n' ' ' <"$out.latency")")
  settle "$pid"
  after=$(sample "$pid")
  kill -TERM "$pid"
  wait $runner
  status=$?
  [ $status -eq 143 ] || [ $status -eq 0 ] || problems+=("nghttpd exit status $status")
  server_stderr_problems "$out.stderr" problems
  grep -q "uses backend $backend " "$out.stderr" || problems+=("nghttpd did not say it used $backend")
  check_growth "$before" "$after" problems
  for log in "$out.warmup" "$out.client"; do
    line=$(grep '^requests:' "$log")
    [[ $line =~ ^requests:\ ([0-9]+)\ total,\ [0-9]+\ started,\ ([0-9]+)\ done,\ ([0-9]+)\ succeeded,\ 0\ failed,\ 0\ errored,\ 0\ timeout$ ]] &&
      [ "${BASH_REMATCH[2]}" = "${BASH_REMATCH[3]}" ] && [ "${BASH_REMATCH[3]}" -gt 0 ] ||
      problems+=("h2load: ${line:-no summary}")
  done
  # The requests come from h2load's summary, the latencies from its log.
  line=$(grep '^soak_client:' "$out.latency")
  local done_requests
  done_requests=$(sed -n 's/^requests: [0-9]* total, [0-9]* started, \([0-9]*\) done.*/\1/p' "$out.client")
  line=$(sed "s/ requests=[0-9]*/ requests=${done_requests:-?}/; s/ seconds=[0-9.]*/ seconds=$main/" <<<"$line")
  judge "$out.result" "$backend nghttpd-h2load" "$(figures "$before" "$after" "$line")" "${problems[@]}"
}

# soak_server_case BACKEND: the soak's own server, sampled after the warm-up and at the end.
soak_server_case() {
  local backend=$1 out=$work/$1.soak_server problems=() pid before after line status
  timeout $bound "$soak/soak_server" -b "$backend" -f $FORK_INTERVAL >"$out.stdout" \
    2>"$out.stderr" </dev/null &
  local runner=$!
  pid=$(child_of $runner)
  sleep $warmup
  before=$(sample "$pid")
  sleep $((per_backend - warmup - 3))
  after=$(sample "$pid")
  kill -TERM "$pid"
  wait $runner
  status=$?
  [ $status -eq 0 ] || problems+=("exit status $status: $(grep '^error:' "$out.stdout" | tr '\n' ' ')")
  server_stderr_problems "$out.stderr" problems
  check_growth "$before" "$after" problems
  line=$(grep '^soak_server: backend=' "$out.stdout")
  [ -n "$line" ] || problems+=("no report")
  [[ $line == "soak_server: backend=$backend "* ]] || [ -z "$line" ] ||
    problems+=("soak_server did not use $backend")
  judge "$out.result" "$backend soak_server" \
    "$(figures "$before" "$after") ${line#soak_server: }" "${problems[@]}"
}

# ---- running -------------------------------------------------------------------------------

passed=0
failed=0
examples=$build/examples
for backend in $backends; do
  echo "---- $backend: $per_backend s ($(date -u +%H:%M:%S) UTC)"
  load_case "$backend" echo_ops echo 0 "$examples/echo_ops" -b "$backend" &
  load_case "$backend" "echo_ops-P" echo 0 "$examples/echo_ops" -b "$backend" -P &
  load_case "$backend" http_ops http 0 "$examples/http_ops" -b "$backend" &
  load_case "$backend" "http_ops-P" http 0 "$examples/http_ops" -b "$backend" -P &
  load_case "$backend" ev_io-echo echo 143 "$soak/ev_io_server" --backend "$backend" --mode echo \
    --timeout $bound &
  load_case "$backend" ev_io-http http 143 "$soak/ev_io_server" --backend "$backend" --mode http \
    --timeout $bound &
  if [ "$nghttp" = yes ]; then
    while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
    nghttpd_case "$backend" $next_port &
    next_port=$((next_port + 1))
  fi
  soak_server_case "$backend" &
  wait
  for result in "$work/$backend".*.result; do
    cat "$result"
    if grep -q '^PASS ' "$result"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  done
done
echo "soak: $passed passed, $failed failed"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
