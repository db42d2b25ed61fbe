// The pending queue: feeding events, invoking, clearing, and priority order. These paths do
// not wait in the backend, so they are backend-independent ([core]).
#include "support.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <memory>
#include <string>
#include <vector>

TEST_CASE("ev_feed_event queues an event that the next iteration delivers", "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");  // never started: feeding does not need that
  ev_timer_set(&timer.w, 60., 0.);

  CHECK(ev_pending_count(loop) == 0);
  ev_feed_event(loop, &timer.w, EV_CUSTOM);
  CHECK(ev_is_pending(&timer.w));
  CHECK(ev_pending_count(loop) == 1);
  CHECK(trace.empty());

  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"timer", EV_CUSTOM}});
  CHECK_FALSE(ev_is_pending(&timer.w));
  CHECK_FALSE(ev_is_active(&timer.w));
  CHECK(ev_pending_count(loop) == 0);
}

TEST_CASE("feeding a pending watcher again merges the events into one callback",
          "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_io> io(trace, "io");
  ev_io_set(&io.w, 0, EV_READ);

  ev_feed_event(loop, &io.w, EV_READ);
  ev_feed_event(loop, &io.w, EV_WRITE);
  CHECK(ev_pending_count(loop) == 1);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"io", EV_READ | EV_WRITE}});
}

TEST_CASE("ev_clear_pending returns the pending events and cancels the callback",
          "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 60., 0.);

  CHECK(ev_clear_pending(loop, &timer.w) == 0);  // not pending: nothing to clear

  ev_feed_event(loop, &timer.w, EV_TIMER | EV_CUSTOM);
  CHECK(ev_clear_pending(loop, &timer.w) == (EV_TIMER | EV_CUSTOM));
  CHECK_FALSE(ev_is_pending(&timer.w));
  CHECK(ev_clear_pending(loop, &timer.w) == 0);
  // libev 4.33 does not shrink the queue: the cleared slot is retargeted to an internal no-op
  // watcher and still counts until the queue is next drained.
  CHECK(ev_pending_count(loop) == 1);

  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.empty());
  CHECK(ev_pending_count(loop) == 0);
}

TEST_CASE("stopping a pending watcher clears its pending event", "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 60., 0.);
  ev_timer_start(loop, &timer.w);
  ev_feed_event(loop, &timer.w, EV_TIMER);
  REQUIRE(ev_is_pending(&timer.w));

  ev_timer_stop(loop, &timer.w);
  CHECK_FALSE(ev_is_pending(&timer.w));
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.empty());
  CHECK(ev_pending_count(loop) == 0);
}

TEST_CASE("events fed at one priority are invoked last-fed first", "[core][pending]") {
  // libev drains each priority's pending array from its end.
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> first(trace, "first");
  Traced<ev_timer> second(trace, "second");
  Traced<ev_timer> third(trace, "third");
  for (auto *timer : {&first, &second, &third}) {
    ev_timer_set(&timer->w, 60., 0.);
    ev_feed_event(loop, &timer->w, EV_CUSTOM);
  }
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"third", EV_CUSTOM}, {"second", EV_CUSTOM}, {"first", EV_CUSTOM}});
}

TEST_CASE("ev_feed_fd_event reaches every io watcher on the fd that wants the event",
          "[core][pending]") {
  LoopGuard loop;
  PipeFds pipe = make_pipe();  // empty: the kernel itself reports nothing
  PipeFds other = make_pipe();
  Trace trace;
  Traced<ev_io> reader(trace, "reader");
  Traced<ev_io> writer(trace, "writer");
  Traced<ev_io> both(trace, "both");
  Traced<ev_io> elsewhere(trace, "elsewhere");
  ev_io_set(&reader.w, pipe.read_end.get(), EV_READ);
  ev_io_set(&writer.w, pipe.read_end.get(), EV_WRITE);
  ev_io_set(&both.w, pipe.read_end.get(), EV_READ | EV_WRITE);
  ev_io_set(&elsewhere.w, other.read_end.get(), EV_READ);
  for (auto *io : {&reader, &writer, &both, &elsewhere}) ev_io_start(loop, &io->w);

  ev_feed_fd_event(loop, pipe.read_end.get(), EV_READ);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"reader", EV_READ}, {"both", EV_READ}});

  for (auto *io : {&reader, &writer, &both, &elsewhere}) ev_io_stop(loop, &io->w);
}

TEST_CASE("ev_feed_signal_event reaches only the signal watchers of the owning loop",
          "[core][pending]") {
  LoopGuard owner;
  LoopGuard stranger;
  Trace trace;
  Traced<ev_signal> one(trace, "one");
  Traced<ev_signal> two(trace, "two");
  ev_signal_set(&one.w, SIGUSR2);
  ev_signal_set(&two.w, SIGUSR2);
  ev_signal_start(owner, &one.w);
  ev_signal_start(owner, &two.w);

  // Feeding a signal to a loop that does not own it is permitted and does nothing.
  ev_feed_signal_event(stranger, SIGUSR2);
  CHECK(ev_pending_count(stranger) == 0);
  ev_run(stranger, EVRUN_NOWAIT);
  ev_run(owner, EVRUN_NOWAIT);
  CHECK(trace.empty());

  ev_feed_signal_event(owner, SIGUSR2);
  ev_run(owner, EVRUN_NOWAIT);
  CHECK(trace.size() == 2);
  for (const Firing &firing : trace) CHECK(firing.revents == EV_SIGNAL);

  ev_signal_stop(owner, &one.w);
  ev_signal_stop(owner, &two.w);
}

TEST_CASE("ev_invoke runs the callback synchronously without queueing", "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 60., 0.);

  ev_invoke(loop, &timer.w, EV_CUSTOM | EV_TIMER);
  CHECK(trace == Trace{{"timer", EV_CUSTOM | EV_TIMER}});
  CHECK_FALSE(ev_is_pending(&timer.w));
  CHECK(ev_pending_count(loop) == 0);
}

TEST_CASE("ev_invoke_pending invokes everything pending outside ev_run", "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> a(trace, "a");
  Traced<ev_timer> b(trace, "b");
  Traced<ev_timer> c(trace, "c");
  ev_set_priority(&c.w, 1);
  for (auto *timer : {&a, &b, &c}) {
    ev_timer_set(&timer->w, 60., 0.);
    ev_feed_event(loop, &timer->w, EV_CUSTOM);
  }
  CHECK(ev_pending_count(loop) == 3);

  ev_invoke_pending(loop);
  CHECK(trace == Trace{{"c", EV_CUSTOM}, {"b", EV_CUSTOM}, {"a", EV_CUSTOM}});
  CHECK(ev_pending_count(loop) == 0);
  CHECK(ev_iteration(loop) == 0);  // no loop iteration was involved
}

TEST_CASE("pending watchers run from EV_MAXPRI down to EV_MINPRI", "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  // Started in scrambled priority order so that start order cannot explain the result.
  const int priorities[] = {0, EV_MINPRI, EV_MAXPRI, -1, 1};
  std::vector<std::unique_ptr<Traced<ev_timer>>> timers;
  for (int priority : priorities) {
    timers.push_back(std::make_unique<Traced<ev_timer>>(trace, "pri" + std::to_string(priority)));
    ev_timer *w = &timers.back()->w;
    ev_timer_set(w, -1., 0.);  // already expired: all become pending in one iteration
    ev_set_priority(w, priority);
    ev_timer_start(loop, w);
  }
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"pri2", EV_TIMER},
                       {"pri1", EV_TIMER},
                       {"pri0", EV_TIMER},
                       {"pri-1", EV_TIMER},
                       {"pri-2", EV_TIMER}});
}

TEST_CASE("a priority outside EV_MINPRI..EV_MAXPRI is clamped when the watcher starts",
          "[core][pending]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> too_high(trace, "too_high");
  Traced<ev_timer> too_low(trace, "too_low");
  Traced<ev_timer> highest(trace, "highest");
  Traced<ev_timer> middle(trace, "middle");
  ev_set_priority(&too_high.w, EV_MAXPRI + 40);
  ev_set_priority(&too_low.w, EV_MINPRI - 40);
  ev_set_priority(&highest.w, EV_MAXPRI);
  CHECK(ev_priority(&too_high.w) == EV_MAXPRI + 40);  // stored as given until started

  for (auto *timer : {&too_low, &middle, &too_high, &highest}) {
    ev_timer_set(&timer->w, -1., 0.);
    ev_timer_start(loop, &timer->w);
  }
  CHECK(ev_priority(&too_high.w) == EV_MAXPRI);
  CHECK(ev_priority(&too_low.w) == EV_MINPRI);

  ev_run(loop, EVRUN_NOWAIT);
  REQUIRE(trace.size() == 4);
  // too_high shares EV_MAXPRI with highest; their relative order is the timer expiry order.
  CHECK((trace[0].who == "too_high" || trace[0].who == "highest"));
  CHECK((trace[1].who == "too_high" || trace[1].who == "highest"));
  CHECK(trace[2].who == "middle");
  CHECK(trace[3].who == "too_low");
  // The clamped value sticks after the watcher stopped.
  CHECK(ev_priority(&too_high.w) == EV_MAXPRI);
}
