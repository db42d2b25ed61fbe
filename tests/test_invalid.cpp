// Invalid arguments. libev treats these as programming errors (assert() or undefined
// behaviour), so these tests are evring-only: evring reports EV_ERROR to the watcher, leaves it
// inactive and keeps the loop working.
#include "support.h"

#include <catch2/catch.hpp>

#include <csignal>

namespace {

// The loop must stay usable after the error: a timer still fires.
void expect_loop_still_works(struct ev_loop *loop) {
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 0.001, 0.);
  ev_timer_start(loop, &timer.w);
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
  CHECK(trace == Trace{{"timer", EV_TIMER}});
}

}  // namespace

TEST_CASE("evring reports EV_ERROR to an io watcher on an invalid fd", "[evring][invalid]") {
  const int fd = GENERATE(-1, 999999);
  INFO("fd " << fd);
  LoopGuard loop;
  Trace trace;
  Traced<ev_io> watcher(trace, "io");
  ev_io_set(&watcher.w, fd, EV_READ);
  ev_io_start(loop, &watcher.w);

  RunOutcome outcome = run_guarded(loop, EVRUN_ONCE);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(trace.size() == 1);
  CHECK((trace[0].revents & EV_ERROR) != 0);
  CHECK_FALSE(ev_is_active(&watcher.w));
  expect_loop_still_works(loop);
}

TEST_CASE("evring reports EV_ERROR to a signal watcher with an invalid signal number",
          "[evring][invalid]") {
  const int signum = GENERATE(0, 65);
  INFO("signal " << signum);
  LoopGuard loop;
  Trace trace;
  Traced<ev_signal> watcher(trace, "signal");
  ev_signal_set(&watcher.w, signum);
  ev_signal_start(loop, &watcher.w);
  CHECK_FALSE(ev_is_active(&watcher.w));

  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(trace.size() == 1);
  CHECK((trace[0].revents & EV_ERROR) != 0);
  CHECK_FALSE(ev_is_active(&watcher.w));
  expect_loop_still_works(loop);
}
