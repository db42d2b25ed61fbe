#!/bin/bash
# Real programs from Debian packages that link libev.so.4, run unmodified on evring through
# evring-run on every backend (make check-apps; docs/binary-compat.md). Every program of a case
# runs on evring with the backend under test, and must say so (EVRING_DEBUG):
#  - nghttp2: nghttpd serves h2load's requests over h2c and over TLS, two worker threads (a loop
#    each) on both sides; every request must succeed;
#  - shadowsocks-libev, hitch, sniproxy: the same requests through ss-tunnel and ss-server,
#    through hitch (TLS in front of h2c), through sniproxy (TLS, routed by SNI);
#  - gdnsd: answers DNS queries over TCP (its libev threads) and UDP;
#  - multiwatch: forks three children, restarts the one that is killed, stops them all on
#    SIGTERM (child and signal watchers);
#  - python3-gevent: gevent_*.py print on evring exactly what they print on libev.
# A package that is not installed is skipped with the reason; nothing is installed here (CI
# installs them: .ci/run). Everything runs on loopback, every run is bounded in time. Each
# (case, backend) prints PASS or FAIL; the last line is "apps: N passed, M failed".
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
chmod 755 "$work" # hitch and sniproxy read their files as nobody
trap 'stop_daemons >/dev/null 2>&1; rm -rf "$work"' EXIT
PATH=$PATH:/usr/sbin:/sbin # several of the daemons live in /usr/sbin
unset LIBEV_FLAGS EVRING_BACKEND GEVENT_BACKEND

backends="select poll epoll io_uring"
if [ $# -ge 2 ] && ! io_uring_reason=$("$2"); then
  echo "SKIP io_uring: $io_uring_reason"
  backends="select poll epoll"
fi

passed=0
failed=0
problems=() # of the case being run

# problem TEXT...: notes a problem of the case being run.
problem() {
  problems+=("$*")
}

# verdict NAME BACKEND: PASS if the case had no problem, else FAIL followed by its problems.
verdict() {
  if [ ${#problems[@]} -eq 0 ]; then
    echo "PASS $1 $2"
    passed=$((passed + 1))
  else
    echo "FAIL $1 $2"
    printf '  %s\n' "${problems[@]}"
    failed=$((failed + 1))
  fi
  problems=()
}

# installed PACKAGE COMMAND...: true when every COMMAND is found, else prints the SKIP line.
installed() {
  local package=$1 command
  shift
  for command in "$@"; do
    if ! command -v "$command" >/dev/null; then
      echo "SKIP $package: $command not installed (Debian: apt-get install $package)"
      return 1
    fi
  done
}

# runnable PACKAGE PROGRAM...: installed, and evring-run can run each PROGRAM on evring (it
# links libev.so.4 and gives this user no privileges: ss-server has file capabilities, which
# only root may ignore); else prints the SKIP line.
runnable() {
  installed "$@" || return
  local package=$1 program verdict
  shift
  for program in "$@"; do
    if ! verdict=$("$evring_run" --check "$program" 2>&1); then
      echo "SKIP $package: $verdict"
      return 1
    fi
  done
}

# on_backend LOG BACKEND: true when evring (EVRING_DEBUG) said in LOG that a loop uses BACKEND
# and no loop uses another: the program really ran on evring, where it was sent.
on_backend() {
  grep -q "^evring: loop .* uses backend $2 " "$1" &&
    ! grep "^evring: loop .* uses backend " "$1" | grep -vq " uses backend $2 "
}

# "${on_evring[@]}" BACKEND PROGRAM ARGS...: runs PROGRAM on evring with BACKEND, bounded in
# time; in the background, $! is the pid of timeout, which passes a SIGTERM on to PROGRAM.
on_evring=(timeout 120 "$evring_run" --debug --backend)

# pick_port VARIABLE: sets VARIABLE to a loopback TCP port nobody listens on now. Ports come in
# sequence from a random start below the kernel's ephemeral range, so that no connection of an
# earlier case holds one as its local port.
read -r ephemeral_low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || ephemeral_low=32768
next_port=$((10000 + RANDOM % (ephemeral_low - 12000)))
pick_port() {
  while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do
    next_port=$((next_port + 1))
  done
  printf -v "$1" %s $next_port
  next_port=$((next_port + 1))
}

# ---- daemons: started on evring, stopped with SIGTERM, checked ---------------------------------

daemon_names=()
daemon_pids=()
daemon_logs=()

# start_daemon NAME PORT BACKEND PROGRAM ARGS...: starts PROGRAM on evring, its output in
# $work/NAME.log, and waits until it accepts connections on PORT. These daemons say nothing when
# they are ready, so the port is polled (bounded: 10 s). Fails, with the problem noted, if the
# daemon exits or never listens.
start_daemon() {
  local name=$1 port=$2 backend=$3 log=$work/$1.log
  shift 3
  "${on_evring[@]}" "$backend" "$@" >"$log" 2>&1 </dev/null &
  daemon_names+=("$name") daemon_pids+=($!) daemon_logs+=("$log")
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.1
  done
  problem "$name did not listen on port $port: $(tail -n 5 "$log")"
  return 1
}

# stop_daemons [BACKEND]: stops the daemons of the case with SIGTERM and notes a daemon that
# died before, ended badly, or did not run on evring's BACKEND.
stop_daemons() {
  local i status
  for i in "${!daemon_pids[@]}"; do
    kill -0 "${daemon_pids[i]}" 2>/dev/null || problem "${daemon_names[i]} exited during the run"
    kill "${daemon_pids[i]}" 2>/dev/null
  done
  for i in "${!daemon_pids[@]}"; do
    wait "${daemon_pids[i]}"
    status=$?
    # timeout passes SIGTERM on and exits 143 (or the daemon's own status 0 after it).
    [ $status -eq 0 ] || [ $status -eq 143 ] ||
      problem "${daemon_names[i]} exit status $status: $(tail -n 5 "${daemon_logs[i]}")"
    [ $# -eq 0 ] || on_backend "${daemon_logs[i]}" "$1" ||
      problem "${daemon_names[i]} did not run on evring's $1: $(tail -n 5 "${daemon_logs[i]}")"
  done
  daemon_names=() daemon_pids=() daemon_logs=()
}

# finish_case NAME BACKEND: stops the daemons and gives the verdict.
finish_case() {
  stop_daemons "$2"
  verdict "$1" "$2"
}

# ---- HTTP/2: nghttpd behind proxies, h2load in front -------------------------------------------

requests=10000

# h2load_run BACKEND URL [OPTIONS...]: h2load on evring sends $requests requests, 20 connections
# of 10 streams each over two threads; every one must succeed.
h2load_run() {
  local backend=$1 url=$2 log=$work/h2load.log status line
  shift 2
  "${on_evring[@]}" "$backend" h2load -n $requests -c 20 -m 10 -t 2 "$@" "$url" >"$log" 2>&1 \
    </dev/null
  status=$?
  [ $status -eq 0 ] || problem "h2load exit status $status"
  line=$(grep '^requests:' "$log")
  [ "$line" = "requests: $requests total, $requests started, $requests done, $requests succeeded, 0 failed, 0 errored, 0 timeout" ] ||
    problem "h2load: ${line:-no summary: $(tail -n 5 "$log")}"
  line=$(grep '^status codes:' "$log")
  [ "$line" = "status codes: $requests 2xx, 0 3xx, 0 4xx, 0 5xx" ] ||
    problem "h2load: ${line:-no status codes}"
  on_backend "$log" "$backend" || problem "h2load did not run on evring's $backend"
}

# nghttpd_start BACKEND PORT h2c|tls: nghttpd on evring, two worker threads, serving htdocs.
nghttpd_start() {
  local options=(--no-tls) files=()
  [ "$3" = tls ] && options=() files=("$work/key.pem" "$work/cert.pem")
  start_daemon nghttpd "$2" "$1" nghttpd --address=127.0.0.1 -n 2 -d "$work/htdocs" \
    "${options[@]}" "$2" "${files[@]}"
}

case_nghttpd() { # BACKEND h2c|tls
  local port scheme=http
  [ "$2" = tls ] && scheme=https
  pick_port port
  nghttpd_start "$1" "$port" "$2" && h2load_run "$1" "$scheme://127.0.0.1:$port/index.html"
  finish_case "nghttpd-h2load-$2" "$1"
}

case_shadowsocks() { # BACKEND: h2load -> ss-tunnel -> ss-server -> nghttpd (h2c)
  local web server tunnel cipher=(-k evring-test -m chacha20-ietf-poly1305)
  pick_port web && pick_port server && pick_port tunnel
  nghttpd_start "$1" "$web" h2c &&
    start_daemon ss-server "$server" "$1" ss-server -s 127.0.0.1 -p "$server" "${cipher[@]}" &&
    start_daemon ss-tunnel "$tunnel" "$1" ss-tunnel -s 127.0.0.1 -p "$server" -b 127.0.0.1 \
      -l "$tunnel" -L "127.0.0.1:$web" "${cipher[@]}" &&
    h2load_run "$1" "http://127.0.0.1:$tunnel/index.html"
  finish_case shadowsocks "$1"
}

case_hitch() { # BACKEND: h2load -> hitch (TLS, ALPN h2) -> nghttpd (h2c)
  local web front user=()
  pick_port web && pick_port front
  [ "$(id -u)" -eq 0 ] && user=(--user=nobody --group=nogroup) # hitch refuses root workers
  nghttpd_start "$1" "$web" h2c &&
    start_daemon hitch "$front" "$1" hitch "${user[@]}" --workers=2 --alpn-protos=h2 \
      --frontend="[127.0.0.1]:$front" --backend="[127.0.0.1]:$web" "$work/key-cert.pem" &&
    h2load_run "$1" "https://127.0.0.1:$front/index.html"
  finish_case hitch "$1"
}

case_sniproxy() { # BACKEND: h2load -> sniproxy (TLS, routed by SNI "localhost") -> nghttpd (TLS)
  local web front dir=$work/sniproxy
  pick_port web && pick_port front
  mkdir -p "$dir" && chmod 777 "$dir"
  {
    [ "$(id -u)" -eq 0 ] && printf 'user nobody\ngroup nogroup\n'
    printf 'pidfile %s/pid\nerror_log {\n filename %s/error.log\n}\n' "$dir" "$dir"
    printf 'listen 127.0.0.1:%s {\n proto tls\n table backends\n}\n' "$front"
    printf 'table backends {\n localhost 127.0.0.1:%s\n}\n' "$web"
  } >"$dir/sniproxy.conf"
  nghttpd_start "$1" "$web" tls &&
    start_daemon sniproxy "$front" "$1" sniproxy -f -c "$dir/sniproxy.conf" &&
    h2load_run "$1" https://localhost/index.html --connect-to="127.0.0.1:$front"
  finish_case sniproxy "$1"
}

http_cases() {
  runnable nghttp2-server nghttpd || return
  runnable nghttp2-client h2load || return
  mkdir -p "$work/htdocs"
  head -c 3000 /dev/urandom | od -An -tx1 >"$work/htdocs/index.html"
  local tls=yes
  if ! installed openssl openssl ||
    ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
      -subj /CN=localhost -keyout "$work/key.pem" -out "$work/cert.pem" >"$work/openssl.log" 2>&1; then
    echo "SKIP the TLS cases: cannot make a throwaway certificate with openssl"
    tls=no
  fi
  chmod 644 "$work"/*.pem 2>/dev/null
  cat "$work/key.pem" "$work/cert.pem" >"$work/key-cert.pem" 2>/dev/null
  local backend
  for backend in $backends; do
    case_nghttpd "$backend" h2c
    [ $tls = no ] || case_nghttpd "$backend" tls
  done
  if runnable shadowsocks-libev ss-server ss-tunnel; then
    for backend in $backends; do case_shadowsocks "$backend"; done
  fi
  if [ $tls = yes ] && runnable hitch hitch; then
    for backend in $backends; do case_hitch "$backend"; done
  fi
  if [ $tls = yes ] && runnable sniproxy sniproxy; then
    for backend in $backends; do case_sniproxy "$backend"; done
  fi
}

# ---- gdnsd -------------------------------------------------------------------------------------

case_gdnsd() { # BACKEND: 50 queries over TCP (one connection), 50 over UDP
  local port answers dir=$work/gdnsd queries=()
  pick_port port
  mkdir -p "$dir/zones" "$dir/run" "$dir/state"
  cat >"$dir/config" <<EOF
options => {
  listen => [ 127.0.0.1:$port ]
  tcp_threads => 2
  udp_threads => 1
  run_dir => $dir/run
  state_dir => $dir/state
}
EOF
  cat >"$dir/zones/example.com" <<'EOF'
$TTL 900
@ SOA ns1 hostmaster 1 7200 1800 259200 900
@ NS ns1
ns1 A 127.0.0.1
www A 192.0.2.1
EOF
  for _ in $(seq 50); do queries+=(www.example.com); done
  if start_daemon gdnsd "$port" "$1" gdnsd -c "$dir" start; then
    answers=$( {
      timeout 30 dig +tcp +keepopen +short -p "$port" @127.0.0.1 "${queries[@]}"
      timeout 30 dig +short -p "$port" @127.0.0.1 "${queries[@]}"
    } | sort | uniq -c | sed 's/^ *//')
    [ "$answers" = "100 192.0.2.1" ] || problem "dig's answers (count, answer): ${answers:-none}"
  fi
  finish_case gdnsd "$1"
}

dns_cases() {
  runnable gdnsd gdnsd || return
  installed bind9-dnsutils dig || return
  local backend
  for backend in $backends; do case_gdnsd "$backend"; done
}

# ---- multiwatch --------------------------------------------------------------------------------

# case_multiwatch BACKEND: multiwatch forks three children, which report their pids through a
# fifo; one is killed and must be forked again; SIGTERM to multiwatch must end all of them.
case_multiwatch() {
  local backend=$1 fifo=$work/multiwatch.fifo log=$work/multiwatch.log pids=() pid status
  local multiwatch
  rm -f "$fifo" && mkfifo "$fifo"
  exec 3<>"$fifo"
  "${on_evring[@]}" "$backend" multiwatch -f 3 -s TERM -- /bin/sh -c "echo \$\$ >$fifo; exec sleep 100" \
    >"$log" 2>&1 </dev/null &
  for _ in 1 2 3; do read -t 10 -r pid <&3 && pids+=("$pid"); done
  if [ ${#pids[@]} -eq 3 ]; then
    multiwatch=$(awk '{ print $4 }' "/proc/${pids[0]}/stat") # the children's parent
    kill -KILL "${pids[0]}"
    if read -t 10 -r pid <&3; then pids[0]=$pid; else problem "the killed child was not forked again"; fi
    kill -TERM "$multiwatch"
  else
    problem "${#pids[@]} of 3 children started"
  fi
  wait $!
  status=$?
  exec 3<&-
  [ $status -eq 0 ] || problem "multiwatch exit status $status"
  for pid in "${pids[@]}"; do
    kill -0 "$pid" 2>/dev/null && problem "child $pid still runs" && kill "$pid"
  done
  [ "$(grep -c '^Spawning child\[[0-2]\] failed, next try$' "$log")" -eq 1 ] ||
    problem "multiwatch's messages: $(grep -v '^evring: ' "$log")"
  on_backend "$log" "$backend" || problem "multiwatch did not run on evring's $backend"
  verdict multiwatch "$backend"
}

child_cases() {
  runnable multiwatch multiwatch || return
  local backend
  for backend in $backends; do case_multiwatch "$backend"; done
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
  local python=/usr/bin/python3 program name backend status
  if ! [ -x $python ] || ! $python -c 'import gevent' 2>/dev/null; then
    echo "SKIP gevent: $python cannot import gevent (Debian: apt-get install python3-gevent)"
    return
  fi
  for program in "$here"/gevent_*.py; do
    name=$(basename "$program" .py)
    # The reference: libev, gevent's default backend.
    env -u LD_LIBRARY_PATH timeout 120 $python "$program" >"$work/$name.libev" \
      2>"$work/$name.libev.stderr" </dev/null
    status=$?
    if [ $status -ne 0 ]; then
      problem "exit status $status on libev itself: $(cat "$work/$name.libev.stderr")"
      verdict "$name" libev
      continue
    fi
    for backend in $backends; do
      GEVENT_BACKEND=$(gevent_backend_name "$backend") "${on_evring[@]}" "$backend" $python \
        "$program" >"$work/$name.$backend" 2>"$work/$name.$backend.stderr" </dev/null
      status=$?
      [ $status -eq 0 ] || problem "exit status $status"
      diff -u --label libev --label "evring $backend" "$work/$name.libev" "$work/$name.$backend" \
        >"$work/$name.$backend.diff" || problem "$(cat "$work/$name.$backend.diff")"
      on_backend "$work/$name.$backend.stderr" "$backend" ||
        problem "did not run on evring's $backend"
      [ ${#problems[@]} -eq 0 ] || problem "stderr: $(tail -n 20 "$work/$name.$backend.stderr")"
      verdict "$name" "$backend"
    done
  done
}

http_cases
dns_cases
child_cases
gevent_cases
echo "apps: $passed passed, $failed failed"
[ $failed -eq 0 ]
