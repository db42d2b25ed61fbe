// ev_signal: delivery, waking a blocked loop, several watchers, restoring the default action,
// and which loop owns a signal. Only SIGUSR1/SIGUSR2 are used; no other signal is touched.
//
// libev's ownership rule (not asserted here because it aborts the process): a signal is
// attached to the loop that started its first watcher. Starting a watcher for the same signal
// on a different loop while any watcher is still active fails an assert() in libev 4.33
// ("a signal must not be attached to two different loops"). Once the last watcher stops, the
// signal is detached and any loop may take it (tested below).
#include "support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <pthread.h>
#include <unistd.h>

namespace {

bool is_blocked(int signum) {
  sigset_t mask;
  pthread_sigmask(SIG_SETMASK, nullptr, &mask);
  return sigismember(&mask, signum) == 1;
}

bool has_default_disposition(int signum) {
  struct sigaction action;
  sigaction(signum, nullptr, &action);
  return !(action.sa_flags & SA_SIGINFO) && action.sa_handler == SIG_DFL;
}

}  // namespace

TEST_CASE("a signal raised before ev_run is delivered once", "[signal]") {
  LoopGuard loop;
  Trace trace;
  StartedSignal watcher(loop, trace, "usr1", SIGUSR1);

  // Two raises before the loop looks: signals do not queue, the watcher sees one event.
  raise(SIGUSR1);
  raise(SIGUSR1);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  for (int i = 0; i < 3; ++i) ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"usr1", EV_SIGNAL}});
}

TEST_CASE("a signal from a forked child wakes the sleeping loop", "[signal]") {
  LoopGuard loop;
  Trace trace;
  StartedSignal watcher(loop, trace, "usr1", SIGUSR1);

  BlockAnnouncer announcer(loop);
  int announcements = announcer.fd();
  ChildProcess child([announcements] {
    if (!await_announcement(announcements)) return 1;
    return kill(getppid(), SIGUSR1) == 0 ? 0 : 2;
  });
  bool delivered = run_until(loop, [&] { return !trace.empty(); });
  announcer.stop();
  ChildStatus status = child.wait();
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);
  REQUIRE(delivered);
  CHECK(trace == Trace{{"usr1", EV_SIGNAL}});
}

TEST_CASE("a signal sent from another thread wakes the sleeping loop", "[signal]") {
  LoopGuard loop;
  Trace trace;
  StartedSignal watcher(loop, trace, "usr2", SIGUSR2);

  // kill() targets the process: the kernel may run the handler on the helper thread.
  WakerThread waker(loop, [] { kill(getpid(), SIGUSR2); });
  bool delivered = run_until(loop, [&] { return !trace.empty(); });
  CHECK(waker.finish());
  REQUIRE(delivered);
  CHECK(trace == Trace{{"usr2", EV_SIGNAL}});
}

TEST_CASE("two watchers on one signal both fire, in the order they were started", "[signal]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_signal> first(trace, "first");
  Traced<ev_signal> second(trace, "second");
  ev_signal_set(&first.w, SIGUSR1);
  ev_signal_set(&second.w, SIGUSR1);
  ev_signal_start(loop, &first.w);
  ev_signal_start(loop, &second.w);

  raise(SIGUSR1);
  REQUIRE(run_until(loop, [&] { return trace.size() >= 2; }));
  CHECK(trace == Trace{{"first", EV_SIGNAL}, {"second", EV_SIGNAL}});

  // Stopping one leaves the other receiving the signal.
  ev_signal_stop(loop, &first.w);
  trace.clear();
  raise(SIGUSR1);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"second", EV_SIGNAL}});
  ev_signal_stop(loop, &second.w);
}

TEST_CASE("stopping the last watcher of a signal restores its default disposition", "[signal]") {
  REQUIRE(has_default_disposition(SIGUSR1));
  REQUIRE_FALSE(is_blocked(SIGUSR1));
  {
    LoopGuard loop;
    Trace trace;
    Traced<ev_signal> first(trace, "first");
    Traced<ev_signal> second(trace, "second");
    ev_signal_set(&first.w, SIGUSR1);
    ev_signal_set(&second.w, SIGUSR1);
    ev_signal_start(loop, &first.w);
    ev_signal_start(loop, &second.w);
    ev_signal_stop(loop, &first.w);
    // Still watched: a raise must be caught, not kill the process.
    raise(SIGUSR1);
    REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
    ev_signal_stop(loop, &second.w);
  }
  CHECK(has_default_disposition(SIGUSR1));
  CHECK_FALSE(is_blocked(SIGUSR1));
}

TEST_CASE(
    "after ev_signal_stop the signal's default action applies again, not a previous "
    "handler",
    "[signal]") {
  ChildStatus status = run_in_child([] {
    struct sigaction previous = {};
    previous.sa_handler = [](int) { _exit(3); };
    sigaction(SIGUSR1, &previous, nullptr);

    struct ev_loop *loop = ev_loop_new(test_backend() | EVFLAG_NOENV);
    if (!loop) return 1;
    ev_signal watcher;
    ev_signal_init(
        &watcher, [](struct ev_loop *, ev_signal *, int) {}, SIGUSR1);
    ev_signal_start(loop, &watcher);
    ev_signal_stop(loop, &watcher);
    raise(SIGUSR1);  // default action: terminate
    return 2;
  });
  CHECK_FALSE(status.exited);
  CHECK(status.term_signal == SIGUSR1);
}

TEST_CASE("a signal released by one loop can be watched by another loop", "[signal]") {
  LoopGuard first_owner;
  LoopGuard second_owner;
  Trace trace;
  Traced<ev_signal> first(trace, "first");
  Traced<ev_signal> second(trace, "second");
  ev_signal_set(&first.w, SIGUSR2);
  ev_signal_set(&second.w, SIGUSR2);

  ev_signal_start(first_owner, &first.w);
  raise(SIGUSR2);
  REQUIRE(run_until(first_owner, [&] { return !trace.empty(); }));
  ev_signal_stop(first_owner, &first.w);

  ev_signal_start(second_owner, &second.w);
  raise(SIGUSR2);
  REQUIRE(run_until(second_owner, [&] { return trace.size() >= 2; }));
  ev_run(first_owner, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"first", EV_SIGNAL}, {"second", EV_SIGNAL}});
  ev_signal_stop(second_owner, &second.w);
}

// evring-only: libev leaves the signal blocked after destroying a signalfd loop.
TEST_CASE("with EVFLAG_SIGNALFD a signal is read from a signalfd, and released on destroy",
          "[signal][evring]") {
  REQUIRE_FALSE(is_blocked(SIGUSR1));
  Trace trace;
  {
    LoopGuard loop(EVFLAG_SIGNALFD);
    Traced<ev_signal> watcher(trace, "usr1");
    ev_signal_set(&watcher.w, SIGUSR1);
    ev_signal_start(loop, &watcher.w);
    // signalfd mode blocks the signal so that it waits in the signalfd for the loop.
    CHECK(is_blocked(SIGUSR1));
    raise(SIGUSR1);
    REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
    CHECK(trace == Trace{{"usr1", EV_SIGNAL}});
    // Destroyed with the watcher still active: the loop gives the signal back.
  }
  CHECK_FALSE(is_blocked(SIGUSR1));
  CHECK(has_default_disposition(SIGUSR1));
}

namespace {

std::atomic<int> g_foreign_handler_runs{0};
void foreign_handler(int) {
  g_foreign_handler_runs.fetch_add(1);
}

// A SIGUSR1 handler of the program's own (not an ev_signal), as CPython installs them, for the
// guard's lifetime.
class ForeignHandler {
 public:
  explicit ForeignHandler(int flags) {
    struct sigaction action {};
    action.sa_handler = foreign_handler;
    action.sa_flags = flags;
    sigemptyset(&action.sa_mask);
    sigaction(SIGUSR1, &action, &saved_);
    g_foreign_handler_runs = 0;
  }
  ~ForeignHandler() { sigaction(SIGUSR1, &saved_, nullptr); }
  ForeignHandler(const ForeignHandler &) = delete;
  ForeignHandler &operator=(const ForeignHandler &) = delete;

 private:
  struct sigaction saved_;
};

// Ends the run once the handler ran, or once the deadline timer (w->data) expired: then the wait
// was not interrupted, and the test fails instead of waiting on a quiet pipe for ever.
void break_once_handled(struct ev_loop *loop, ev_check *w, int) {
  const ev_timer *deadline = static_cast<const ev_timer *>(w->data);
  if (g_foreign_handler_runs.load() || !ev_is_active(deadline)) ev_break(loop, EVBREAK_ALL);
}

}  // namespace

// epoll_wait, poll and select fail with EINTR when a handler runs, SA_RESTART or not, and the
// iteration ends there (gevent runs the interpreter's handlers from a check watcher). On
// io_uring the same must hold when the wait's io_uring_enter also submits (an io watcher
// started just before ev_run), where the kernel returns the submission count, not -EINTR.
TEST_CASE("a signal caught by the program's own handler ends the loop's wait", "[signal]") {
  int flags = GENERATE(0, SA_RESTART);
  bool io_started_just_before = GENERATE(false, true);
  CAPTURE(flags, io_started_just_before);
  LoopGuard loop;
  ForeignHandler handler(flags);
  Trace trace;
  Traced<ev_timer> deadline(trace, "deadline");
  ev_timer_set(&deadline.w, kGuardSeconds / 2, 0.);
  ev_timer_start(loop, &deadline.w);
  ev_check ended;
  ev_check_init(&ended, break_once_handled);
  ended.data = &deadline.w;
  ev_check_start(loop, &ended);
  PipeFds pipe = make_pipe();
  Traced<ev_io> reader(trace, "reader");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_run(loop, EVRUN_NOWAIT);
  ev_io_start(loop, &reader.w);
  if (!io_started_just_before) ev_run(loop, EVRUN_NOWAIT);

  pid_t loop_thread_id = gettid();
  pthread_t loop_thread = pthread_self();
  // Once, and only while the loop sleeps: a handler run before the wait would wake no backend.
  WakerThread waker(loop, [&] {
    if (await_thread_sleeping(loop_thread_id)) pthread_kill(loop_thread, SIGUSR1);
  });
  ev_run(loop, 0);
  CHECK(waker.finish());
  CHECK(g_foreign_handler_runs.load() == 1);
  CHECK(trace.empty());  // neither the deadline nor the quiet pipe
  ev_check_stop(loop, &ended);
  ev_io_stop(loop, &reader.w);
  ev_timer_stop(loop, &deadline.w);
}
