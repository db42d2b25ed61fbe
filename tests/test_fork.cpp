// ev_loop_fork: a loop inherited across fork() keeps working in the child, and the child's
// use of it does not disturb the parent's copy.
#include "support.h"

#include <catch2/catch.hpp>

#include <unistd.h>

namespace {

// Exit codes of the child, one bit per missing behaviour.
enum ChildFailure { kIoMissing = 1, kTimerMissing = 2 };

}  // namespace

TEST_CASE("after ev_loop_fork the child's loop delivers io and timer events", "[fork]") {
  LoopGuard loop;
  PipeFds pipe = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_io_start(loop, &reader.w);

  // Make sure the parent's kernel state (e.g. the epoll set) exists before forking.
  write_byte(pipe.write_end.get());
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(drain(pipe.read_end.get()) == "x");
  trace.clear();

  ChildStatus status = run_in_child([&]() -> int {
    ev_loop_fork(loop);
    Traced<ev_timer> timer(trace, "timer");
    ev_timer_set(&timer.w, 0.005, 0.);
    ev_timer_start(loop, &timer.w);
    char byte = 'c';
    if (write(pipe.write_end.get(), &byte, 1) != 1) return kIoMissing;
    auto fired = [&](const char *who) {
      for (const Firing &firing : trace) {
        if (firing.who == who) return true;
      }
      return false;
    };
    run_until(loop, [&] { return fired("reader") && fired("timer"); });
    int failures = (fired("reader") ? 0 : kIoMissing) | (fired("timer") ? 0 : kTimerMissing);
    // Changing the child's interest must stay in the child.
    drain(pipe.read_end.get());
    ev_io_stop(loop, &reader.w);
    ev_run(loop, EVRUN_NOWAIT);
    return failures;
  });
  REQUIRE(status.exited);
  CHECK((status.exit_code & kIoMissing) == 0);
  CHECK((status.exit_code & kTimerMissing) == 0);
  CHECK(status.exit_code == 0);

  // The parent's registration survived the child's changes.
  CHECK(ev_is_active(&reader.w));
  write_byte(pipe.write_end.get(), 'p');
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"reader", EV_READ}});
  CHECK(drain(pipe.read_end.get()) == "p");
  ev_io_stop(loop, &reader.w);
}
