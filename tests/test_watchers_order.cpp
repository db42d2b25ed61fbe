// The order of one iteration, as libev runs it: fork watchers (after a fork), prepare watchers,
// the poll, timers, periodics, idle watchers (only when nothing of their priority or higher is
// pending, and only the highest such level), check watchers; then everything pending, highest
// priority first and, within a priority, last queued first.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <unistd.h>

namespace {

// A timer whose callback feeds an event to another watcher.
struct Feeder {
  ev_timer w;
  Trace *trace;
  ev_watcher *target;

  Feeder(Trace &into, void *to_feed) : trace(&into), target(static_cast<ev_watcher *>(to_feed)) {
    ev_timer_init(&w, &Feeder::on_timer, -2., 0.);
    w.data = this;
  }
  static void on_timer(struct ev_loop *loop, ev_timer *timer, int revents) {
    auto *self = static_cast<Feeder *>(timer->data);
    self->trace->push_back({"feeder", revents});
    ev_feed_event(loop, self->target, EV_CUSTOM);
  }
};

}  // namespace

TEST_CASE("prepare runs before the poll, check after it, pending watchers by priority", "[order]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_prepare> prepare_a(trace, "prepare-a"), prepare_b(trace, "prepare-b");
  Traced<ev_check> check_low(trace, "check-low"), check_high(trace, "check-high");
  Traced<ev_io> io(trace, "io");
  Traced<ev_timer> timer(trace, "timer");
  Traced<ev_idle> idle(trace, "idle");
  PipeFds pipe = make_pipe();
  ev_set_priority(&check_low.w, -1);
  ev_set_priority(&check_high.w, 1);
  ev_io_set(&io.w, pipe.write_end.get(), EV_WRITE);
  ev_timer_set(&timer.w, -1., 0.);
  ev_prepare_start(loop, &prepare_a.w);
  ev_prepare_start(loop, &prepare_b.w);
  ev_check_start(loop, &check_low.w);
  ev_check_start(loop, &check_high.w);
  ev_io_start(loop, &io.w);
  ev_timer_start(loop, &timer.w);
  ev_idle_start(loop, &idle.w);

  ev_run(loop, EVRUN_ONCE);
  // Prepares run in their own invocation pass before the poll; the rest is one pass: io (fed
  // by the poll), then the timer, then checks were queued; priority 1 first, then last queued
  // first. The idle watcher starves: io and timer are pending at its priority.
  CHECK(trace == Trace{{"prepare-b", EV_PREPARE},
                       {"prepare-a", EV_PREPARE},
                       {"check-high", EV_CHECK},
                       {"timer", EV_TIMER},
                       {"io", EV_WRITE},
                       {"check-low", EV_CHECK}});
  ev_prepare_stop(loop, &prepare_a.w);
  ev_prepare_stop(loop, &prepare_b.w);
  ev_check_stop(loop, &check_low.w);
  ev_check_stop(loop, &check_high.w);
  ev_io_stop(loop, &io.w);
  ev_idle_stop(loop, &idle.w);
}

TEST_CASE("only the highest priority level of idle watchers runs in an iteration", "[order]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_idle> high_1(trace, "high-1"), high_2(trace, "high-2"), middle(trace, "middle"),
      low(trace, "low");
  ev_set_priority(&high_1.w, 1);
  ev_set_priority(&high_2.w, 1);
  ev_set_priority(&low.w, -1);
  for (auto *idle : {&low, &middle, &high_1, &high_2}) ev_idle_start(loop, &idle->w);

  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"high-2", EV_IDLE}, {"high-1", EV_IDLE}});
  trace.clear();
  ev_idle_stop(loop, &high_1.w);
  ev_idle_stop(loop, &high_2.w);
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"middle", EV_IDLE}});
  trace.clear();
  ev_idle_stop(loop, &middle.w);
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"low", EV_IDLE}});
  ev_idle_stop(loop, &low.w);
}

TEST_CASE("idle watchers wait while an event of their priority or higher is pending", "[order]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_idle> idle(trace, "idle");
  Traced<ev_io> io(trace, "io");
  PipeFds pipe = make_pipe();
  ev_io_set(&io.w, pipe.write_end.get(), EV_WRITE);
  ev_io_start(loop, &io.w);
  ev_idle_start(loop, &idle.w);

  // A pending io watcher of the same priority starves the idle watcher...
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"io", EV_WRITE}});
  trace.clear();

  // ...one of lower priority does not, and runs after it.
  ev_io_stop(loop, &io.w);
  ev_set_priority(&io.w, -2);
  ev_io_start(loop, &io.w);
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"idle", EV_IDLE}, {"io", EV_WRITE}});

  // An idle watcher does not let the loop block: with nothing else it still iterates.
  ev_io_stop(loop, &io.w);
  trace.clear();
  ev_tstamp start = ev_time();
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"idle", EV_IDLE}});
  CHECK(ev_time() - start < 1.);
  ev_idle_stop(loop, &idle.w);
}

TEST_CASE("an event fed from a callback to a higher priority runs before lower ones", "[order]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_idle> fed(trace, "fed-high");  // never started: feeding does not need that
  ev_set_priority(&fed.w, 2);
  Feeder feeder(trace, &fed.w);
  Traced<ev_timer> later(trace, "later");
  ev_timer_set(&later.w, -1., 0.);
  ev_timer_start(loop, &feeder.w);
  ev_timer_start(loop, &later.w);
  ev_run(loop, EVRUN_ONCE);
  CHECK(trace == Trace{{"feeder", EV_TIMER}, {"fed-high", EV_CUSTOM}, {"later", EV_TIMER}});
}
