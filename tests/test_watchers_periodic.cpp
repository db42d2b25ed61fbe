// ev_periodic: wall-clock timers, absolute, on an interval grid, or rescheduled by a callback.
#include "test_watchers_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

// Records ev_now and the next due time at every callback; stops itself after `limit` calls.
struct RecordingPeriodic {
  ev_periodic w;
  int limit;
  std::vector<ev_tstamp> fired_at;  // ev_now() in the callback
  std::vector<ev_tstamp> next_due;  // ev_periodic_at() in the callback
  std::vector<ev_tstamp> asked_at;  // `now` passed to the reschedule callback

  explicit RecordingPeriodic(int max_calls) : limit(max_calls) {
    ev_init(&w, &RecordingPeriodic::on_fire);
    w.data = this;
  }

  static void on_fire(struct ev_loop *loop, ev_periodic *periodic, int revents) {
    auto *self = static_cast<RecordingPeriodic *>(periodic->data);
    if (revents != EV_PERIODIC) return;
    self->fired_at.push_back(ev_now(loop));
    self->next_due.push_back(ev_periodic_at(periodic));
    if (static_cast<int>(self->fired_at.size()) == self->limit) ev_periodic_stop(loop, periodic);
  }

  static ev_tstamp reschedule(ev_periodic *periodic, ev_tstamp now) noexcept {
    auto *self = static_cast<RecordingPeriodic *>(periodic->data);
    self->asked_at.push_back(now);
    return now + 0.01;
  }
};

}  // namespace

TEST_CASE("an interval periodic fires on its grid, never early", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(3);
  const ev_tstamp offset = 0.0037, interval = 0.02;
  ev_periodic_set(&periodic.w, offset, interval, nullptr);
  ev_periodic_start(loop, &periodic.w);
  ev_tstamp first_due = ev_periodic_at(&periodic.w);
  CHECK(first_due > ev_now(loop));
  CHECK(first_due - ev_now(loop) <= interval);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(periodic.fired_at.size() == 3);
  ev_tstamp due = first_due;
  for (size_t i = 0; i < 3; ++i) {
    INFO("firing " << i);
    CHECK(periodic.fired_at[i] >= due);
    // The next due time is the first grid point after now.
    double steps = (periodic.next_due[i] - offset) / interval;
    CHECK(std::fabs(steps - std::round(steps)) < 1e-3);
    CHECK(periodic.next_due[i] > periodic.fired_at[i]);
    CHECK(periodic.next_due[i] - periodic.fired_at[i] <= interval + 1e-9);
    due = periodic.next_due[i];
  }
  CHECK_FALSE(ev_is_active(&periodic.w));
}

TEST_CASE("a reschedule callback decides every due time of a periodic", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(4);
  ev_periodic_set(&periodic.w, 0., 0., &RecordingPeriodic::reschedule);
  ev_periodic_start(loop, &periodic.w);
  // Asked once at start, with the loop time.
  REQUIRE(periodic.asked_at.size() == 1);
  CHECK(periodic.asked_at[0] == ev_now(loop));
  CHECK(ev_periodic_at(&periodic.w) == periodic.asked_at[0] + 0.01);

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  REQUIRE(periodic.fired_at.size() == 4);
  // Asked again at each firing, before the callback, with that iteration's time.
  REQUIRE(periodic.asked_at.size() == 5);
  for (size_t i = 0; i < 4; ++i) {
    INFO("firing " << i);
    CHECK(periodic.fired_at[i] >= periodic.asked_at[i] + 0.01);
    CHECK(periodic.asked_at[i + 1] == periodic.fired_at[i]);
    CHECK(periodic.next_due[i] == periodic.fired_at[i] + 0.01);
  }
}

TEST_CASE("an absolute periodic fires once at its time, or at once if that has passed",
          "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic future(10), past(10);
  ev_tstamp at = ev_now(loop) + 0.03;
  ev_periodic_set(&future.w, at, 0., nullptr);
  ev_periodic_set(&past.w, ev_now(loop) - 100., 0., nullptr);
  ev_periodic_start(loop, &future.w);
  ev_periodic_start(loop, &past.w);
  ev_run(loop, EVRUN_NOWAIT);
  CHECK(past.fired_at.size() == 1);
  CHECK(future.fired_at.empty());

  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(outcome.returned == 0);
  REQUIRE(future.fired_at.size() == 1);
  CHECK(future.fired_at[0] >= at);
  CHECK(past.fired_at.size() == 1);
}

TEST_CASE("ev_periodic_again applies a changed offset to a running periodic", "[periodic]") {
  LoopGuard loop;
  RecordingPeriodic periodic(1);
  ev_periodic_set(&periodic.w, ev_now(loop) + 1000., 0., nullptr);
  ev_periodic_start(loop, &periodic.w);
  periodic.w.offset = ev_now(loop) + 0.01;
  ev_periodic_again(loop, &periodic.w);
  CHECK(ev_periodic_at(&periodic.w) == periodic.w.offset);
  RunOutcome outcome = run_guarded(loop);
  REQUIRE_FALSE(outcome.guard_fired);
  CHECK(periodic.fired_at.size() == 1);
}
