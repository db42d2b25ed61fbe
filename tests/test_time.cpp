// Time functions: ev_time, ev_now, ev_now_update, ev_sleep, and the version the library claims.
#include "support.h"

#include <catch2/catch.hpp>

#include <ctime>

TEST_CASE("the library reports libev's version 4.33", "[core][time]") {
  CHECK(ev_version_major() == EV_VERSION_MAJOR);
  CHECK(ev_version_minor() == EV_VERSION_MINOR);
  CHECK(EV_VERSION_MAJOR == 4);
  CHECK(EV_VERSION_MINOR == 33);
}

TEST_CASE("ev_time is wall-clock time and never goes backwards", "[core][time]") {
  CHECK(ev_time() == Approx(static_cast<double>(std::time(nullptr))).margin(2.));
  ev_tstamp previous = ev_time();
  int backwards_steps = 0;
  for (int i = 0; i < 10000; ++i) {
    ev_tstamp now = ev_time();
    if (now < previous) ++backwards_steps;
    previous = now;
  }
  CHECK(backwards_steps == 0);
}

TEST_CASE("ev_now stays fixed until the loop time is updated", "[core][time]") {
  LoopGuard loop;
  ev_tstamp cached = ev_now(loop);
  CHECK(cached == Approx(ev_time()).margin(0.5));

  ev_sleep(0.02);
  CHECK(ev_now(loop) == cached);

  ev_now_update(loop);
  ev_tstamp updated = ev_now(loop);
  CHECK(updated >= cached + 0.015);
  CHECK(updated <= ev_time());

  ev_sleep(0.02);
  ev_run(loop, EVRUN_NOWAIT);  // every iteration refreshes the loop time
  CHECK(ev_now(loop) >= updated + 0.015);
}

TEST_CASE("ev_sleep sleeps the requested time and returns at once for 0 or less", "[core][time]") {
  ev_tstamp start = ev_time();
  ev_sleep(0.05);
  ev_tstamp slept = ev_time() - start;
  CHECK(slept >= 0.045);
  CHECK(slept < 1.0);

  start = ev_time();
  ev_sleep(0.);
  ev_sleep(-1.);
  CHECK(ev_time() - start < 0.02);
}
