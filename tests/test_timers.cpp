// ev_timer: ordering, repetition, ev_timer_again, ev_timer_remaining and edge timeouts.
#include "support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

namespace {

// Records its own index into a shared firing log.
struct IndexedTimer {
  ev_timer w;
  int index;
  std::vector<int> *fired;

  static void fire(struct ev_loop *, ev_timer *timer, int) {
    auto *self = static_cast<IndexedTimer *>(timer->data);
    self->fired->push_back(self->index);
  }
};

}  // namespace

TEST_CASE("10,000 timers with distinct timeouts fire in expiry order, each exactly once",
          "[timer]") {
  constexpr int kTimers = 10000;
  constexpr double kSpacing = 5e-6;  // distinct timeouts spread over 0 .. 50 ms
  LoopGuard loop;
  std::vector<int> slot(kTimers);
  std::iota(slot.begin(), slot.end(), 0);
  std::shuffle(slot.begin(), slot.end(), std::mt19937(20240601));

  std::vector<int> fired;
  fired.reserve(kTimers);
  std::vector<IndexedTimer> timers(kTimers);
  for (int i = 0; i < kTimers; ++i) {
    timers[i].index = i;
    timers[i].fired = &fired;
    ev_timer_init(&timers[i].w, IndexedTimer::fire, slot[i] * kSpacing, 0.);
    timers[i].w.data = &timers[i];
    ev_timer_start(loop, &timers[i].w);
  }

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);

  std::vector<int> expected(kTimers);
  for (int i = 0; i < kTimers; ++i) expected[slot[i]] = i;
  REQUIRE(fired.size() == expected.size());
  auto mismatch = std::mismatch(fired.begin(), fired.end(), expected.begin());
  INFO("first out-of-order firing at position " << (mismatch.first - fired.begin()));
  CHECK(mismatch.first == fired.end());
}

namespace {

// A repeating timer that stops itself after `limit` firings, recording ev_now each time.
struct CountedRepeat {
  ev_timer w;
  int limit;
  std::vector<ev_tstamp> fired_at;

  static void fire(struct ev_loop *loop, ev_timer *timer, int) {
    auto *self = static_cast<CountedRepeat *>(timer->data);
    self->fired_at.push_back(ev_now(loop));
    if (static_cast<int>(self->fired_at.size()) == self->limit) ev_timer_stop(loop, timer);
  }
};

}  // namespace

TEST_CASE("a repeating timer fires every interval and is never early", "[timer]") {
  constexpr double kInterval = 0.005;
  LoopGuard loop;
  CountedRepeat repeat;
  repeat.limit = 5;
  ev_timer_init(&repeat.w, CountedRepeat::fire, kInterval, kInterval);
  repeat.w.data = &repeat;
  ev_now_update(loop);
  ev_tstamp start = ev_now(loop);
  ev_timer_start(loop, &repeat.w);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(repeat.fired_at.size() == 5);
  for (size_t k = 0; k < repeat.fired_at.size(); ++k) {
    INFO("firing " << k);
    CHECK(repeat.fired_at[k] >= start + (k + 1) * kInterval - 1e-4);
  }
  CHECK_FALSE(ev_is_active(&repeat.w));
}

TEST_CASE("ev_timer_again follows libev's three rules", "[timer]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");

  SECTION("inactive with repeat > 0: starts with the repeat value as timeout") {
    ev_timer_set(&timer.w, 5., 0.25);
    ev_timer_again(loop, &timer.w);
    CHECK(ev_is_active(&timer.w));
    CHECK(ev_timer_remaining(loop, &timer.w) == Approx(0.25).margin(0.01));
  }
  SECTION("active with repeat > 0: restarts from now with the (new) repeat value") {
    ev_timer_set(&timer.w, 5., 0.25);
    ev_timer_start(loop, &timer.w);
    CHECK(ev_timer_remaining(loop, &timer.w) == Approx(5.).margin(0.01));
    timer.w.repeat = 0.5;
    ev_timer_again(loop, &timer.w);
    CHECK(ev_is_active(&timer.w));
    CHECK(ev_timer_remaining(loop, &timer.w) == Approx(0.5).margin(0.01));
  }
  SECTION("active with repeat 0: stops without invoking") {
    ev_timer_set(&timer.w, 5., 0.);
    ev_timer_start(loop, &timer.w);
    ev_timer_again(loop, &timer.w);
    CHECK_FALSE(ev_is_active(&timer.w));
  }
  SECTION("inactive with repeat 0: stays inactive") {
    ev_timer_set(&timer.w, 5., 0.);
    ev_timer_again(loop, &timer.w);
    CHECK_FALSE(ev_is_active(&timer.w));
  }
  SECTION("a pending timer loses its pending event") {
    ev_timer_set(&timer.w, 5., 0.25);
    ev_timer_start(loop, &timer.w);
    ev_feed_event(loop, &timer.w, EV_TIMER);
    REQUIRE(ev_is_pending(&timer.w));
    ev_timer_again(loop, &timer.w);
    CHECK_FALSE(ev_is_pending(&timer.w));
    CHECK(ev_is_active(&timer.w));
  }
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.empty());
  ev_timer_stop(loop, &timer.w);
}

TEST_CASE("ev_timer_remaining is relative to loop time, or the configured after when inactive",
          "[timer]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> timer(trace, "timer");
  ev_timer_set(&timer.w, 2.5, 7.);
  CHECK(ev_timer_remaining(loop, &timer.w) == 2.5);

  ev_timer_start(loop, &timer.w);
  ev_tstamp remaining = ev_timer_remaining(loop, &timer.w);
  CHECK(remaining <= 2.5);
  CHECK(remaining > 2.4);

  ev_sleep(0.02);
  ev_now_update(loop);
  CHECK(ev_timer_remaining(loop, &timer.w) < remaining - 0.015);
  ev_timer_stop(loop, &timer.w);
}

TEST_CASE("zero and negative timeouts fire on the next iteration, earliest first", "[timer]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> zero(trace, "zero");
  Traced<ev_timer> negative(trace, "negative");
  ev_timer_set(&zero.w, 0., 0.);
  ev_timer_set(&negative.w, -1., 0.);
  ev_timer_start(loop, &zero.w);
  ev_timer_start(loop, &negative.w);
  CHECK(trace.empty());

  ev_tstamp start = ev_time();
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace == Trace{{"negative", EV_TIMER}, {"zero", EV_TIMER}});
  CHECK(ev_time() - start < 0.5);
}

TEST_CASE("a timer 1e9 s in the future neither fires nor blocks other work", "[timer]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> far(trace, "far");
  Traced<ev_timer> near(trace, "near");
  ev_timer_set(&far.w, 1e9, 0.);
  ev_timer_start(loop, &far.w);
  CHECK(ev_timer_remaining(loop, &far.w) == Approx(1e9));

  ev_tstamp start = ev_time();
  CHECK(ev_run(loop, EVRUN_NOWAIT) != 0);
  CHECK(ev_time() - start < 0.5);
  CHECK(trace.empty());

  // The block time must be computed without overflow: a nearby timer still wakes the loop.
  ev_timer_set(&near.w, 0.005, 0.);
  ev_timer_start(loop, &near.w);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  CHECK(trace == Trace{{"near", EV_TIMER}});
  CHECK(ev_time() - start < 1.0);
  ev_timer_stop(loop, &far.w);
}

TEST_CASE("evring treats a NaN or negative timeout as 0 and never hangs", "[evring][timer]") {
  LoopGuard loop;
  Trace trace;
  Traced<ev_timer> nan_after(trace, "nan");
  Traced<ev_timer> negative_after(trace, "negative");
  ev_timer_set(&nan_after.w, std::nan(""), 0.);
  ev_timer_set(&negative_after.w, -5., 0.);
  ev_timer_start(loop, &nan_after.w);
  ev_timer_start(loop, &negative_after.w);

  ev_run(loop, EVRUN_NOWAIT);
  CHECK(trace.size() == 2);
  for (const Firing &firing : trace) CHECK(firing.revents == EV_TIMER);

  // A NaN repeat must not spin or wedge the loop either.
  trace.clear();
  Traced<ev_timer> nan_repeat(trace, "nan-repeat");
  ev_timer_set(&nan_repeat.w, 0.001, std::nan(""));
  ev_timer_start(loop, &nan_repeat.w);
  REQUIRE(run_until(loop, [&] { return !trace.empty(); }));
  ev_timer_stop(loop, &nan_repeat.w);
  RunOutcome outcome = run_guarded(loop);
  CHECK_FALSE(outcome.guard_fired);
}
