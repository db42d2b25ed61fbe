// No fd left (EMFILE) when the loop wants one: for the epoll fd and the ring, a new loop fails
// cleanly (ev_loop_new returns NULL) or an automatic one falls back to poll; for the wakeup fd
// (eventfd or pipe), the io_uring backend's epoll set and the rebuilt backend, the syserr
// callback is told, and the loop tries again once it returns (libev's contract: the callback
// remedies); the signalfd, timerfd and inotify fd are optional and their loops do without.
// Each case runs in a child process, which lowers RLIMIT_NOFILE and fills its table.
#include "fault_support.h"
#include "support.h"
#include "uring_test_support.h"

#include <catch2/catch.hpp>

namespace {

// Failure bits of the children's exit codes.
enum : int { kFirst = 1, kSecond = 2, kThird = 4, kFourth = 8, kFifth = 16, kSixth = 32 };

bool syserr_said(const char *message) {
  return syserr_log.calls == 1 && !strcmp(syserr_log.first, message);
}

template <class W>
void count_and_stop(struct ev_loop *loop, W *w, int);

int g_fired;

#define COUNTING(type)                                           \
  template <>                                                    \
  void count_and_stop(struct ev_loop *loop, ev_##type *w, int) { \
    ++g_fired;                                                   \
    ev_##type##_stop(loop, w);                                   \
  }
COUNTING(async)
COUNTING(signal)
COUNTING(periodic)
COUNTING(stat)
COUNTING(io)
COUNTING(timer)
#undef COUNTING

// Runs the loop until `count` callbacks of count_and_stop ran (at most 10 s).
bool run_until_fired(struct ev_loop *loop, int count) {
  double deadline = ev_time() + 10;
  while (g_fired < count && ev_time() < deadline) {
    ev_timer tick;  // bounds each iteration's wait
    ev_timer_init(
        &tick, [](struct ev_loop *, ev_timer *, int) {}, 0.05, 0.);
    ev_timer_start(loop, &tick);
    ev_run(loop, EVRUN_ONCE);
    ev_timer_stop(loop, &tick);
  }
  return g_fired >= count;
}

void expect_clean_exit(const CapturedChild &child) {
  INFO("child's stderr: " << child.err);
  CHECK(child.exited);
  CHECK(child.term_signal == 0);
  CHECK(child.exit_code == 0);
}

}  // namespace

TEST_CASE("with no fd left a new loop is NULL on epoll and io_uring; an automatic one takes poll",
          "[core][faults][emfile]") {
  bool uring = io_uring_available();
  expect_clean_exit(run_captured([uring] {
    FullFdTable table;
    if (!table.full()) return 64;
    int failures = 0;
    if (ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV)) failures |= kFirst;
    if (uring && ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV)) failures |= kSecond;
    // poll and select need no fd of their own: the automatic choice ends there.
    struct ev_loop *loop = ev_loop_new(EVFLAG_NOENV);
    if (!loop || ev_backend(loop) != EVBACKEND_POLL) return failures | kThird;
    g_fired = 0;
    ev_timer timer;
    ev_timer_init(&timer, count_and_stop<ev_timer>, 0.001, 0.);
    ev_timer_start(loop, &timer);
    if (!run_until_fired(loop, 1)) failures |= kFourth;
    ev_loop_destroy(loop);
    struct ev_loop *select_loop = ev_loop_new(EVBACKEND_SELECT | EVFLAG_NOENV);
    if (!select_loop) failures |= kFifth;
    ev_loop_destroy(select_loop);
    // The default loop also takes poll, and its SIGCHLD watcher wants the wakeup fd, as in
    // libev: the syserr callback is told, frees an fd, and the loop is made.
    record_syserr_from(table.take_one());
    struct ev_loop *default_loop = ev_default_loop(EVFLAG_NOENV);
    if (!default_loop || ev_backend(default_loop) != EVBACKEND_POLL) failures |= kSixth;
    if (!syserr_said("evring: cannot create wakeup fd")) failures |= kSixth;
    return failures;
  }));
}

TEST_CASE("no fd for the wakeup: the syserr callback is told once, remedies, and the async arrives",
          "[faults][emfile][async]") {
  unsigned backend = test_backend();
  expect_clean_exit(run_captured([backend] {
    struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV);
    if (!loop) return 64;
    g_fired = 0;
    ev_async async;
    ev_async_init(&async, count_and_stop<ev_async>);
    int failures = 0;
    {
      // Sends the async from another thread once the loop blocks: only the wakeup fd can
      // wake it then. Its pipe is made before the table fills.
      WakerThread waker(loop, [loop, &async] { ev_async_send(loop, &async); });
      FullFdTable table;
      if (!table.full()) return 65;
      record_syserr_from(table.take_one());
      ev_async_start(loop, &async);
      if (!syserr_said("evring: cannot create wakeup fd")) failures |= kFirst;
      ev_timer guard;
      ev_timer_init(&guard, count_and_stop<ev_timer>, 10., 0.);
      ev_timer_start(loop, &guard);
      ev_run(loop, EVRUN_ONCE);
      if (!waker.finish()) failures |= kSecond;
      if (!ev_is_active(&guard) || ev_is_active(&async)) failures |= kThird;
      ev_timer_stop(loop, &guard);
    }
    ev_loop_destroy(loop);
    return failures;
  }));
}

TEST_CASE("no fd for a signalfd: EVFLAG_SIGNALFD loops use the signal handler instead",
          "[faults][emfile]") {
  unsigned backend = test_backend();
  expect_clean_exit(run_captured([backend] {
    struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV | EVFLAG_SIGNALFD);
    if (!loop) return 64;
    g_fired = 0;
    ev_async async;  // the wakeup fd exists before the table fills
    ev_async_init(&async, count_and_stop<ev_async>);
    ev_async_start(loop, &async);
    FullFdTable table;
    if (!table.full()) return 65;
    record_syserr_from(-1);
    ev_signal signal_watcher;
    ev_signal_init(&signal_watcher, count_and_stop<ev_signal>, SIGUSR1);
    ev_signal_start(loop, &signal_watcher);
    raise(SIGUSR1);
    int failures = run_until_fired(loop, 1) ? 0 : kFirst;
    if (syserr_log.calls) failures |= kSecond;
    ev_async_stop(loop, &async);
    ev_loop_destroy(loop);
    return failures;
  }));
}

TEST_CASE("no fd for the periodics' timerfd or for inotify: periodics and stat watchers still fire",
          "[faults][emfile]") {
  unsigned backend = test_backend();
  char path[] = "/tmp/evring-faults-stat.XXXXXX";
  int file = mkstemp(path);
  REQUIRE(file >= 0);
  close(file);
  expect_clean_exit(run_captured([backend, &path] {
    struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV);
    if (!loop) return 64;
    FullFdTable table;
    if (!table.full()) return 65;
    record_syserr_from(-1);
    g_fired = 0;
    ev_periodic periodic;
    ev_periodic_init(&periodic, count_and_stop<ev_periodic>, ev_time() + 0.02, 0., nullptr);
    ev_periodic_start(loop, &periodic);
    ev_stat stat_watcher;  // polls every 20 ms without inotify
    ev_stat_init(&stat_watcher, count_and_stop<ev_stat>, path, 0.02);
    ev_stat_start(loop, &stat_watcher);
    if (truncate(path, 100) != 0) return 66;  // by path: no fd needed
    int failures = run_until_fired(loop, 2) ? 0 : kFirst;
    if (syserr_log.calls) failures |= kSecond;
    ev_loop_destroy(loop);
    return failures;
  }));
  unlink(path);
}

TEST_CASE("a loop forked into a child with a full fd table keeps every kind of event",
          "[faults][emfile][fork]") {
  unsigned backend = test_backend();
  char path[] = "/tmp/evring-faults-fork.XXXXXX";
  int file = mkstemp(path);
  REQUIRE(file >= 0);
  close(file);
  // The child makes the loop, the grandchild fills its table and calls ev_loop_fork, which
  // rebuilds the backend, wakeup fd, signalfd, timerfd and inotify fd: each old one is closed
  // before its new one is made, so a full table costs nothing.
  expect_clean_exit(run_captured([backend, &path] {
    struct ev_loop *loop = ev_loop_new(backend | EVFLAG_NOENV | EVFLAG_SIGNALFD);
    if (!loop) return 64;
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC)) return 65;
    g_fired = 0;
    ev_io reader;
    ev_io_init(&reader, count_and_stop<ev_io>, pipe_fds[0], EV_READ);
    ev_io_start(loop, &reader);
    ev_async async;
    ev_async_init(&async, count_and_stop<ev_async>);
    ev_async_start(loop, &async);
    ev_signal signal_watcher;
    ev_signal_init(&signal_watcher, count_and_stop<ev_signal>, SIGUSR2);
    ev_signal_start(loop, &signal_watcher);
    ev_periodic periodic;
    ev_periodic_init(&periodic, count_and_stop<ev_periodic>, ev_time() + 3600, 0., nullptr);
    ev_periodic_start(loop, &periodic);
    ev_stat stat_watcher;
    ev_stat_init(&stat_watcher, count_and_stop<ev_stat>, path, 0.02);
    ev_stat_start(loop, &stat_watcher);
    ev_run(loop, EVRUN_NOWAIT);
    pid_t pid = fork();
    if (pid == 0) {
      FullFdTable table;
      if (!table.full()) _exit(66);
      record_syserr_from(-1);
      ev_loop_fork(loop);
      ev_run(loop, EVRUN_NOWAIT);  // the fork is handled here: stat watchers look again
      ev_periodic_set(&periodic, ev_time() + 0.02, 0., nullptr);
      ev_periodic_again(loop, &periodic);
      if (write(pipe_fds[1], "x", 1) != 1) _exit(67);
      ev_async_send(loop, &async);
      raise(SIGUSR2);
      if (truncate(path, 100) != 0) _exit(68);
      int failures = run_until_fired(loop, 5) ? 0 : kFirst;
      if (syserr_log.calls) failures |= kSecond;
      if (g_fired != 5)
        report_line("grandchild: still waiting for" +
                    std::string(ev_is_active(&reader) ? " io" : "") +
                    (ev_is_active(&async) ? " async" : "") +
                    (ev_is_active(&signal_watcher) ? " signal" : "") +
                    (ev_is_active(&periodic) ? " periodic" : "") +
                    (ev_is_active(&stat_watcher) ? " stat" : ""));
      _exit(failures);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) return 69;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }));
  unlink(path);
}

TEST_CASE("io_uring with one fd left: the ring is made; its epoll set reports through syserr",
          "[core][faults][emfile][io_uring]") {
  if (!io_uring_available()) {
    WARN("skipped: io_uring is not available here");
    return;
  }
  expect_clean_exit(run_captured([] {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC)) return 64;
    FullFdTable table;
    if (!table.full()) return 65;
    table.free_some(1);
    // The ring takes the last fd (the multishot probe's eventfd then fails: one-shot polls).
    struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!loop) return 66;
    record_syserr_from(table.take_one());
    g_fired = 0;
    ev_io reader;
    ev_io_init(&reader, count_and_stop<ev_io>, pipe_fds[0], EV_READ);
    ev_io_start(loop, &reader);
    ev_run(loop, EVRUN_NOWAIT);
    // A watcher stopped while its poll is pending puts the fd in the backend's epoll set, so
    // that it wakes the loop once if it becomes ready, as epoll's lazy removal does.
    ev_io_stop(loop, &reader);
    ev_run(loop, EVRUN_NOWAIT);
    int failures = syserr_said("evring: epoll_create1 (io_uring fallback set)") ? 0 : kFirst;
    if (write(pipe_fds[1], "x", 1) != 1) return 67;
    ev_timer guard;
    ev_timer_init(&guard, count_and_stop<ev_timer>, 2., 0.);
    ev_timer_start(loop, &guard);
    ev_run(loop, EVRUN_ONCE);  // woken by the lingering fd, not by the guard
    if (g_fired) failures |= kSecond;
    ev_io_start(loop, &reader);
    if (!run_until_fired(loop, 1) || !ev_is_active(&guard)) failures |= kThird;
    if (ev_backend(loop) != EVBACKEND_IOURING) failures |= kFourth;
    ev_loop_destroy(loop);
    return failures;
  }));
}

TEST_CASE("io_uring moved to another thread with no fd for a new ring falls back to epoll",
          "[core][faults][emfile][io_uring]") {
  if (!io_uring_available()) {
    WARN("skipped: io_uring is not available here");
    return;
  }
  expect_clean_exit(run_captured([] {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_NONBLOCK | O_CLOEXEC)) return 64;
    struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!loop) return 65;
    g_fired = 0;
    ev_io reader;
    ev_io_init(&reader, count_and_stop<ev_io>, pipe_fds[0], EV_READ);
    ev_io_start(loop, &reader);
    ev_run(loop, EVRUN_NOWAIT);  // the ring now serves this thread
    FullFdTable table;
    if (!table.full()) return 66;
    record_syserr_from(-1);
    int failures = 0;
    PlainThread other([&] {  // a std::thread would trip UBSan here: see PlainThread
      if (write(pipe_fds[1], "x", 1) != 1) failures |= kFirst;
      if (!run_until_fired(loop, 1)) failures |= kSecond;
    });
    other.join();
    if (ev_backend(loop) != EVBACKEND_EPOLL) failures |= kThird;
    if (syserr_log.calls) failures |= kFourth;
    ev_loop_destroy(loop);
    return failures;
  }));
}

TEST_CASE(
    "a multishot probe without an fd for its eventfd leaves the question open for later loops",
    "[core][faults][emfile][io_uring]") {
  if (!io_uring_available()) {
    WARN("skipped: io_uring is not available here");
    return;
  }
  unsigned kernel_multishot;
  {
    struct ev_loop *loop = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    REQUIRE(loop);
    ev_run(loop, EVRUN_NOWAIT);
    kernel_multishot = evring::uring_test_loop_features(loop) & evring::kUringMultishot;
    ev_loop_destroy(loop);
  }
  if (!kernel_multishot) {
    WARN("skipped: this kernel has no multishot polls");
    return;
  }
  expect_clean_exit(run_captured([] {
    evring::uring_test_forget_poll_flavours();  // as in a process that never asked
    FullFdTable table;
    if (!table.full()) return 64;
    table.free_some(1);
    struct ev_loop *starved = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!starved) return 65;
    ev_run(starved, EVRUN_NOWAIT);  // the ring took the last fd: the probe has no eventfd
    int failures = 0;
    if (evring::uring_test_loop_features(starved) & evring::kUringMultishot) failures |= kFirst;
    table.free_some(8);
    struct ev_loop *later = ev_loop_new(EVBACKEND_IOURING | EVFLAG_NOENV);
    if (!later) return 66;
    ev_run(later, EVRUN_NOWAIT);
    if (!(evring::uring_test_loop_features(later) & evring::kUringMultishot)) failures |= kSecond;
    ev_loop_destroy(later);
    ev_loop_destroy(starved);
    return failures;
  }));
}
