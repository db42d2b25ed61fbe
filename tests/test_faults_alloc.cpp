// Allocation failure at every allocation site (issue 12, resource faults). An allocator set with
// ev_set_allocator fails its Nth request, for every N a scenario makes: loop creation, watchers
// of every kind, io on many fds, ops and a buffer pool, ev_loop_fork, destruction. As libev's
// ev_realloc does, evring then prints a message and aborts (the syserr callback is not called);
// evring_buffer_pool, documented to return -ENOMEM, returns it instead and the loop goes on.
// Each N runs in its own child, whose end and stderr the parent checks.
#include "fault_support.h"
#include "support.h"

#include <catch2/catch.hpp>

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

namespace {

long g_fail_at;  // 0: never
long g_requests;

void *failing_allocator(void *ptr, long size) noexcept {
  if (!size) {
    free(ptr);
    return nullptr;
  }
  if (++g_requests == g_fail_at) return nullptr;
  return realloc(ptr, size_t(size));
}

constexpr int kPipes = 100;  // 200 fds: the fd table grows four times

// Every watcher kind, each noting its first callback in `seen`.
enum Seen : unsigned {
  kIo = 1u << 0,
  kTimer = 1u << 1,
  kPeriodic = 1u << 2,
  kSignal = 1u << 3,
  kChild = 1u << 4,
  kStat = 1u << 5,
  kAsync = 1u << 6,
  kIdle = 1u << 7,
  kPrepare = 1u << 8,
  kCheck = 1u << 9,
  kOnce = 1u << 10,
  kEmbedded = 1u << 11,
  kOp = 1u << 12,
  kFork = 1u << 13,
  kCleanup = 1u << 14,
  kAll = (1u << 15) - 1,
};

unsigned g_seen;
int g_io_left;

template <class W>
void note(struct ev_loop *, W *w, int) {
  g_seen |= unsigned(uintptr_t(w->data));
}

template <class W>
void note_and_stop(struct ev_loop *loop, W *w, int revents);

#define STOPPING(type)                                                  \
  template <>                                                           \
  void note_and_stop(struct ev_loop *loop, ev_##type *w, int revents) { \
    note(loop, w, revents);                                             \
    ev_##type##_stop(loop, w);                                          \
  }
STOPPING(io)
STOPPING(timer)
STOPPING(periodic)
STOPPING(signal)
STOPPING(stat)
STOPPING(async)
STOPPING(idle)
STOPPING(prepare)
STOPPING(check)
STOPPING(fork)
#undef STOPPING

void on_pipe(struct ev_loop *loop, ev_io *w, int) {
  char byte;
  if (read(w->fd, &byte, 1) == 1 && --g_io_left == 0) g_seen |= kIo;
  ev_io_stop(loop, w);
}

void on_child(struct ev_loop *loop, ev_child *w, int) {
  if (WIFEXITED(w->rstatus) && WEXITSTATUS(w->rstatus) == 7) g_seen |= kChild;
  ev_child_stop(loop, w);
}

void on_once(int, void *) {
  g_seen |= kOnce;
}

void on_received(struct ev_loop *loop, evring_op *op, int) {
  if (op->result == 5 && op->buffer && !memcmp(op->buffer, "hello", 5)) g_seen |= kOp;
  if (op->buffer) evring_buffer_release(loop, op->buffer);
}

void on_sent(struct ev_loop *, evring_op *, int) {}

template <class W>
void tag(W *w, unsigned bit) {
  w->data = reinterpret_cast<void *>(uintptr_t(bit));
}

// The scenario; returns 0 when every watcher fired. Stderr gets "pool: -ENOMEM" when the pool
// refused, then is asked again, as a program would.
int scenario(unsigned backend, const char *stat_path) {
  g_seen = 0;
  g_io_left = kPipes;
  struct ev_loop *loop = ev_default_loop(backend | EVFLAG_NOENV);
  if (!loop) return 10;
  struct ev_loop *inner = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
  if (!inner) return 11;

  int pipes[kPipes][2];
  ev_io readers[kPipes];
  for (int i = 0; i < kPipes; ++i) {
    if (pipe2(pipes[i], O_CLOEXEC | O_NONBLOCK)) return 12;
    ev_io_init(&readers[i], on_pipe, pipes[i][0], EV_READ);
    ev_io_start(loop, &readers[i]);
    if (write(pipes[i][1], "x", 1) != 1) return 13;
  }
  ev_timer timer;
  ev_timer_init(&timer, note_and_stop<ev_timer>, 0.001, 0.);
  tag(&timer, kTimer);
  ev_timer_start(loop, &timer);
  // The embedded loop's fd is readable (and the embed watcher sweeps it) when it has io.
  int inner_pipe[2];
  if (pipe2(inner_pipe, O_CLOEXEC | O_NONBLOCK)) return 12;
  ev_io inner_reader;
  ev_io_init(&inner_reader, note_and_stop<ev_io>, inner_pipe[0], EV_READ);
  tag(&inner_reader, kEmbedded);
  ev_io_start(inner, &inner_reader);
  if (write(inner_pipe[1], "x", 1) != 1) return 13;
  ev_embed embed;
  ev_embed_init(&embed, nullptr, inner);
  ev_embed_start(loop, &embed);
  ev_periodic periodic;
  ev_periodic_init(&periodic, note_and_stop<ev_periodic>, 0., 0.001, nullptr);
  tag(&periodic, kPeriodic);
  ev_periodic_start(loop, &periodic);
  ev_signal signal_watcher;
  ev_signal_init(&signal_watcher, note_and_stop<ev_signal>, SIGUSR1);
  tag(&signal_watcher, kSignal);
  ev_signal_start(loop, &signal_watcher);
  ev_stat stat_watcher;
  ev_stat_init(&stat_watcher, note_and_stop<ev_stat>, stat_path, 0.01);
  tag(&stat_watcher, kStat);
  ev_stat_start(loop, &stat_watcher);
  ev_async async;
  ev_async_init(&async, note_and_stop<ev_async>);
  tag(&async, kAsync);
  ev_async_start(loop, &async);
  ev_idle idle;
  ev_idle_init(&idle, note_and_stop<ev_idle>);
  tag(&idle, kIdle);
  ev_idle_start(loop, &idle);
  ev_prepare prepare;
  ev_prepare_init(&prepare, note_and_stop<ev_prepare>);
  tag(&prepare, kPrepare);
  ev_prepare_start(loop, &prepare);
  ev_check check;
  ev_check_init(&check, note_and_stop<ev_check>);
  tag(&check, kCheck);
  ev_check_start(loop, &check);
  ev_cleanup cleanup;
  ev_cleanup_init(&cleanup, note<ev_cleanup>);
  tag(&cleanup, kCleanup);
  ev_cleanup_start(loop, &cleanup);
  ev_once(loop, -1, 0, 0.001, on_once, nullptr);

  int pool = evring_buffer_pool(loop, 8, 256);
  if (pool == -ENOMEM) {
    report_line("pool: -ENOMEM");
    pool = evring_buffer_pool(loop, 8, 256);
  }
  if (pool) return 14;
  int sockets[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sockets)) return 15;
  evring_op receive, send;
  evring_recv_init(&receive, on_received, sockets[1], nullptr, 0, EVRING_POOLED);
  evring_op_start(loop, &receive);
  evring_send_init(&send, on_sent, sockets[0], "hello", 5, EVRING_SEND_ALL);
  evring_op_start(loop, &send);

  pid_t pid = fork();
  if (pid == 0) _exit(7);
  ev_child child;
  ev_child_init(&child, on_child, pid, 0);
  ev_child_start(loop, &child);
  raise(SIGUSR1);
  ev_async_send(loop, &async);
  FILE *touched = fopen(stat_path, "a");
  if (!touched) return 16;
  fputs("changed\n", touched);
  fclose(touched);

  ev_timer tick;  // bounds each iteration's wait
  ev_timer_init(
      &tick, [](struct ev_loop *, ev_timer *, int) {}, 0.01, 0.01);
  ev_timer_start(loop, &tick);
  double deadline = ev_time() + 5;
  while ((g_seen | kFork | kCleanup) != kAll && ev_time() < deadline) ev_run(loop, EVRUN_ONCE);
  ev_timer_stop(loop, &tick);

  ev_fork fork_watcher;
  ev_fork_init(&fork_watcher, note_and_stop<ev_fork>);
  tag(&fork_watcher, kFork);
  ev_fork_start(loop, &fork_watcher);
  ev_loop_fork(loop);
  ev_run(loop, EVRUN_NOWAIT);

  ev_embed_stop(loop, &embed);
  ev_loop_destroy(inner);
  ev_loop_destroy(loop);
  for (auto &ends : pipes) close(ends[0]), close(ends[1]);
  close(sockets[0]);
  close(sockets[1]);
  close(inner_pipe[0]);
  close(inner_pipe[1]);
  if (g_seen != kAll) {
    report_line("missing events: " + std::to_string(kAll & ~g_seen));
    return 17;
  }
  report_line("requests: " + std::to_string(g_requests));
  return 0;
}

// The scenario in a child, its allocator failing at request `fail_at` (0: never).
CapturedChild scenario_failing_at(long fail_at, const std::string &stat_path) {
  unsigned backend = test_backend();
  return run_captured([fail_at, backend, &stat_path] {
    g_fail_at = fail_at;
    g_requests = 0;
    ev_set_allocator(failing_allocator);
    record_syserr_from(-1);
    return scenario(backend, stat_path.c_str());
  });
}

long requests_in(const std::string &err) {
  size_t at = err.rfind("requests: ");
  return at == std::string::npos ? -1 : atol(err.c_str() + at + 10);
}

}  // namespace

TEST_CASE(
    "an allocator failing at any request aborts with libev's message, or the pool says -ENOMEM",
    "[faults][alloc]") {
  char stat_path[] = "/tmp/evring-faults-alloc.XXXXXX";
  int stat_fd = mkstemp(stat_path);
  REQUIRE(stat_fd >= 0);
  close(stat_fd);
  std::string path = stat_path;

  CapturedChild clean = scenario_failing_at(0, path);
  INFO("clean run's stderr: " << clean.err);
  REQUIRE(clean.exited);
  REQUIRE(clean.exit_code == 0);
  long requests = requests_in(clean.err);
  REQUIRE(requests > 20);

  int aborted = 0, pool_refused = 0;
  for (long n = 1; n <= requests; ++n) {
    CapturedChild child = scenario_failing_at(n, path);
    INFO("allocation request " << n << " of " << requests << " failed; stderr: " << child.err);
    // Never a crash elsewhere, never a half-working loop: the abort with the message, or the
    // refused pool and a scenario that then ran to the end.
    if (child.exited) {
      CHECK(child.exit_code == 0);
      CHECK(child.err.find("pool: -ENOMEM") != std::string::npos);
      pool_refused += child.exit_code == 0;
    } else {
      CHECK(child.term_signal == SIGABRT);
      CHECK(child.err.find("evring: cannot allocate ") != std::string::npos);
      CHECK(child.err.find(" bytes, aborting.") != std::string::npos);
      CHECK(child.err.find("syserr") == std::string::npos);
      aborted += child.term_signal == SIGABRT;
    }
  }
  unlink(stat_path);
  // The pool's memory is the one request that is allowed to fail softly.
  CHECK(pool_refused >= 1);
  CHECK(aborted + pool_refused == requests);
}
