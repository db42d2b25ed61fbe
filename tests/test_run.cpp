// ev_run and its controls: run flags, return value, ev_break, nesting, references, the
// invoke-pending hook, userdata, suspend/resume and the collect intervals.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace {

// A one-shot timer that records the loop depth it fired at, then performs `action`.
struct DepthTimer {
  ev_timer w;
  std::vector<std::string> *log;
  std::string name;
  std::function<void(struct ev_loop *)> action;

  DepthTimer(std::vector<std::string> &into, std::string who, double after,
             std::function<void(struct ev_loop *)> then = nullptr)
      : log(&into), name(std::move(who)), action(std::move(then)) {
    ev_timer_init(&w, &DepthTimer::fire, after, 0.);
    w.data = this;
  }

  static void fire(struct ev_loop *loop, ev_timer *timer, int) {
    auto *self = static_cast<DepthTimer *>(timer->data);
    self->log->push_back(self->name + "@" + std::to_string(ev_depth(loop)));
    if (self->action) self->action(loop);
  }
};

}  // namespace

TEST_CASE("ev_run returns 0 once no active watchers remain", "[run]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 0.001, 0.);
  ev_timer_start(loop, &timer.w);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  CHECK(trace == Trace{{"timer", EV_TIMER}});
}

TEST_CASE("ev_run without any watchers does one non-blocking iteration and returns 0", "[run]") {
  LoopGuard loop;
  ev_tstamp start = ev_time();
  CHECK(ev_run(loop, 0) == 0);
  CHECK(ev_time() - start < 0.5);
  CHECK(ev_iteration(loop) == 1);
}

TEST_CASE("EVRUN_NOWAIT returns without blocking and reports remaining watchers", "[run]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 10., 0.);
  ev_timer_start(loop, &timer.w);

  ev_tstamp start = ev_time();
  CHECK(ev_run(loop, EVRUN_NOWAIT) != 0);
  CHECK(ev_time() - start < 0.5);
  CHECK(trace.empty());
  CHECK(ev_iteration(loop) == 1);
  ev_timer_stop(loop, &timer.w);
}

namespace {

int hook_releases, hook_acquires;
void count_release(struct ev_loop *) noexcept {
  ++hook_releases;
}
void count_acquire(struct ev_loop *) noexcept {
  ++hook_acquires;
}

}  // namespace

TEST_CASE("the release/acquire hooks run once per iteration, blocking or not, as libev's",
          "[run]") {
  LoopGuard loop;
  hook_releases = hook_acquires = 0;
  ev_set_loop_release_cb(loop, count_release, count_acquire);
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 10., 0.);
  ev_timer_start(loop, &timer.w);
  // Non-blocking iterations: libev's backends poll with a zero timeout between the hooks.
  for (int i = 0; i < 3; ++i) ev_run(loop, EVRUN_NOWAIT);
  CHECK(hook_releases == 3);
  CHECK(hook_acquires == 3);
  // A blocking iteration, ended by a zero timer.
  Traced<ev_timer> now(trace, "now");
  ev_timer_set(&now.w, 0.001, 0.);
  ev_timer_start(loop, &now.w);
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"now", EV_TIMER}});
  CHECK(hook_releases == 4);
  CHECK(hook_acquires == 4);
  ev_set_loop_release_cb(loop, nullptr, nullptr);
  ev_timer_stop(loop, &timer.w);
}

TEST_CASE("EVRUN_ONCE blocks for one event, handles it and returns", "[run]") {
  LoopGuard loop;
  PipeFds pipe = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_io_start(loop, &reader.w);

  int write_fd = pipe.write_end.get();
  WakerThread waker(loop, [write_fd] {
    char byte = 'w';
    (void)!write(write_fd, &byte, 1);
  });
  RunOutcome outcome = run_guarded(loop, EVRUN_ONCE);
  CHECK(waker.finish());
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned != 0);  // the reader is still active
  CHECK(trace == Trace{{"reader", EV_READ}});
  ev_io_stop(loop, &reader.w);
}

// ONE leaves the nested run only, so the outer one goes on to "later"; ALL leaves both, and the
// next ev_run starts without the break.
TEST_CASE("ev_break(EVBREAK_ONE) leaves the innermost ev_run, EVBREAK_ALL every one", "[run]") {
  int how = GENERATE(int(EVBREAK_ONE), int(EVBREAK_ALL));
  CAPTURE(how);
  LoopGuard loop;
  std::vector<std::string> log;
  DepthTimer inner(log, "inner", 0.002, [how](struct ev_loop *l) { ev_break(l, how); });
  DepthTimer later(log, "later", 0.250);  // far enough that load cannot merge it with "inner"
  DepthTimer outer(log, "outer", 0.001, [&](struct ev_loop *l) {
    ev_timer_start(l, &inner.w);
    ev_run(l, 0);
    log.push_back("nested run returned");
  });
  ev_timer_start(loop, &outer.w);
  ev_timer_start(loop, &later.w);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  std::vector<std::string> nested = {"outer@1", "inner@2", "nested run returned"};
  if (how == EVBREAK_ONE) {
    CHECK(outcome.returned == 0);
    nested.push_back("later@1");
    CHECK(log == nested);
  } else {
    CHECK(outcome.returned != 0);  // "later" is still active
    CHECK(log == nested);
    CHECK(ev_is_active(&later.w));
    outcome = run_guarded(loop);
    REQUIRE_FALSE(outcome.guard_fired);
    CHECK(log.back() == "later@1");
  }
  CHECK(ev_depth(loop) == 0);
}

TEST_CASE("ev_break(EVBREAK_CANCEL) undoes a break requested earlier", "[run]") {
  LoopGuard loop;
  std::vector<std::string> log;
  DepthTimer first(log, "first", 0.001, [](struct ev_loop *l) {
    ev_break(l, EVBREAK_ONE);
    ev_break(l, EVBREAK_CANCEL);
  });
  DepthTimer second(log, "second", 0.010);
  ev_timer_start(loop, &first.w);
  ev_timer_start(loop, &second.w);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  CHECK(log == std::vector<std::string>{"first@1", "second@1"});
}

TEST_CASE("ev_break outside ev_run has no effect on the next run", "[run]") {
  LoopGuard loop;
  std::vector<std::string> log;
  DepthTimer timer(log, "timer", 0.001);
  ev_timer_start(loop, &timer.w);

  ev_break(loop, EVBREAK_ALL);
  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(log == std::vector<std::string>{"timer@1"});
}

TEST_CASE("ev_iteration counts iterations and ev_depth counts nested runs", "[core][run]") {
  LoopGuard loop;
  CHECK(ev_iteration(loop) == 0);
  CHECK(ev_depth(loop) == 0);
  for (int i = 0; i < 3; ++i) ev_run(loop, EVRUN_NOWAIT);
  CHECK(ev_iteration(loop) == 3);

  std::vector<std::string> log;
  DepthTimer timer(log, "timer", -1.);
  ev_timer_start(loop, &timer.w);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(log == std::vector<std::string>{"timer@1"});
  CHECK(ev_iteration(loop) == 4);
  CHECK(ev_depth(loop) == 0);
}

TEST_CASE("ev_unref'd watchers do not keep ev_run alive", "[run]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> ticker(trace, "ticker");
  Traced<ev_timer> deadline(trace, "deadline");
  ev_timer_set(&ticker.w, 0.001, 0.001);
  ev_timer_set(&deadline.w, 0.020, 0.);
  ev_timer_start(loop, &ticker.w);
  ev_unref(loop);
  ev_timer_start(loop, &deadline.w);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  CHECK(std::count(trace.begin(), trace.end(), Firing{"deadline", EV_TIMER}) == 1);
  // The unref'd ticker was live and fired meanwhile.
  CHECK(std::count(trace.begin(), trace.end(), Firing{"ticker", EV_TIMER}) >= 1);
  CHECK(ev_is_active(&ticker.w));

  // With only the unref'd watcher left, ev_run returns at once.
  ev_tstamp start = ev_time();
  outcome = run_guarded(loop);
  CHECK(outcome.returned == 0);
  CHECK(ev_time() - start < 0.5);

  ev_ref(loop);
  ev_timer_stop(loop, &ticker.w);
}

namespace {

struct InvokeHook {
  int calls = 0;
  bool forward = false;

  static void invoke(struct ev_loop *loop) {
    auto *self = static_cast<InvokeHook *>(ev_userdata(loop));
    ++self->calls;
    if (self->forward) ev_invoke_pending(loop);
  }
};

}  // namespace

TEST_CASE("ev_set_invoke_pending_cb decides how ev_run invokes pending watchers", "[core][run]") {
  LoopGuard loop;
  InvokeHook hook;
  ev_set_userdata(loop, &hook);
  ev_set_invoke_pending_cb(loop, &InvokeHook::invoke);
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, -1., 0.);
  ev_timer_start(loop, &timer.w);

  // A hook that does not invoke leaves the expired timer pending.
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(hook.calls >= 1);
  CHECK(trace.empty());
  CHECK(ev_is_pending(&timer.w));

  hook.forward = true;
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"timer", EV_TIMER}});
  CHECK_FALSE(ev_is_pending(&timer.w));
}

TEST_CASE("ev_set_userdata stores a pointer that ev_userdata returns", "[core][run]") {
  LoopGuard loop;
  CHECK(ev_userdata(loop) == nullptr);
  int anchor = 0;
  ev_set_userdata(loop, &anchor);
  CHECK(ev_userdata(loop) == &anchor);
}

// python3-gevent calls ev_userdata() on the default loop's pointer after destroying it; libev's
// default loop lives in static storage, so that works there, and the loop made next is the
// same object, with the user data, iteration count and release hooks of the destroyed one.
TEST_CASE("a destroyed default loop's pointer still answers its accessors, as in libev", "[run]") {
  struct ev_loop *loop = ev_default_loop(test_backend() | EVFLAG_NOENV);
  REQUIRE(loop);
  int anchor = 0;
  ev_set_userdata(loop, &anchor);
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 0., 0.);
  ev_timer_start(loop, &timer.w);
  run_guarded(loop);
  REQUIRE(trace.size() == 1);
  unsigned iterations = ev_iteration(loop);
  ev_loop_destroy(loop);

  CHECK(ev_userdata(loop) == &anchor);
  CHECK(ev_backend(loop) == 0u);
  CHECK(ev_iteration(loop) == iterations);
  CHECK(ev_depth(loop) == 0u);
  CHECK(ev_pending_count(loop) == 0u);
  CHECK_FALSE(ev_is_default_loop(loop));
  ev_set_loop_release_cb(loop, count_release, count_acquire);

  struct ev_loop *again = ev_default_loop(test_backend() | EVFLAG_NOENV);
  CHECK(again == loop);
  CHECK(ev_is_default_loop(again));
  CHECK(ev_userdata(again) == &anchor);
  CHECK(ev_iteration(again) == iterations);
  CHECK(ev_backend(again) == test_backend());
  hook_releases = hook_acquires = 0;
  ev_run(again, EVRUN_NOWAIT);
  CHECK(hook_releases == 1);
  CHECK(hook_acquires == 1);
  ev_set_userdata(again, nullptr);
  ev_set_loop_release_cb(again, nullptr, nullptr);
  ev_loop_destroy(again);
}

// A thread that makes (and runs) a loop and then waits in a call the kernel does not restart
// must not see EINTR: io_uring rings that are closed interrupt their creator's such calls some
// milliseconds later (gdnsd's takeover recv lost the old daemon's statistics that way). In a
// fresh process, so that no ring an earlier test closed interrupts it.
TEST_CASE("a timed recv right after making, and after running, a loop is not interrupted",
          "[run]") {
  bool run_first = GENERATE(false, true);
  CAPTURE(run_first);
  ChildStatus status = run_in_child([run_first] {
    int pair[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) return 10;
    timeval limit{0, 200 * 1000};
    if (setsockopt(pair[0], SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit) != 0) return 11;
    struct ev_loop *loop = ev_loop_new(test_backend() | EVFLAG_NOENV);
    if (!loop) return 12;
    if (run_first) ev_run(loop, EVRUN_NOWAIT);
    char byte;
    ssize_t got = recv(pair[0], &byte, 1, 0);
    int error = errno;
    ev_loop_destroy(loop);
    if (got < 0 && error == EINTR) return 1;
    return got < 0 && (error == EAGAIN || error == EWOULDBLOCK) ? 0 : 13;
  });
  REQUIRE(status.exited);
  CHECK(status.exit_code == 0);  // 1: interrupted (EINTR)
}

TEST_CASE("ev_suspend/ev_resume keep a timer's remaining time", "[run]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 0.3, 0.);
  ev_timer_start(loop, &timer.w);
  ev_run(loop, EVRUN_NOWAIT);
  ev_tstamp before = ev_timer_remaining(loop, &timer.w);

  ev_suspend(loop);
  ev_sleep(0.2);  // the time that passes while suspended is the subject of the test
  ev_resume(loop);

  // Without the adjustment only about 0.1 s would remain.
  CHECK(ev_timer_remaining(loop, &timer.w) == Approx(before).margin(0.05));
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.empty());

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(trace == Trace{{"timer", EV_TIMER}});
}

TEST_CASE("io and timeout collect intervals are accepted and events still arrive", "[run]") {
  LoopGuard loop;
  ev_set_io_collect_interval(loop, 0.005);
  ev_set_timeout_collect_interval(loop, 0.005);
  PipeFds pipe = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  Traced<ev_timer> timer(trace, "timer");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_timer_set(&timer.w, 0.010, 0.);
  ev_io_start(loop, &reader.w);
  ev_timer_start(loop, &timer.w);

  write_byte(pipe.write_end.get());
  REQUIRE(run_until(loop, [&] { return !ev_is_active(&timer.w); }));
  // The undrained pipe keeps the reader firing; the one-shot timer fired exactly once.
  CHECK(std::count(trace.begin(), trace.end(), Firing{"timer", EV_TIMER}) == 1);
  CHECK(std::count(trace.begin(), trace.end(), Firing{"reader", EV_READ}) >= 1);
  CHECK(trace.size() ==
        static_cast<size_t>(std::count(trace.begin(), trace.end(), Firing{"reader", EV_READ})) + 1);
  ev_io_stop(loop, &reader.w);
}
