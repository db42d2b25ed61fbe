// ev++.h: ev::periodic. start(at) with an absolute time, start(offset, interval) on a grid,
// set() on an active periodic (restarts it), again(), and a reschedule_cb the program sets on
// the watcher itself (ev::periodic::set always clears it, as ev_periodic_set(w, at, ival, 0)).
// Expiries are traced without iteration numbers: they depend on the wall clock.
#include <ev++.h>

#include "compat.h"

static int left;

static void on_periodic(ev::periodic &w, int revents) {
  printf("  %s %s active=%d\n", label_of(&w), revents_text(revents), w.is_active());
  if (--left == 0) w.stop();
}

static ev::tstamp in_20ms(ev_periodic *, ev::tstamp now) EV_NOEXCEPT {
  return now + 0.02;
}

int main() {
  compat_begin();
  ev::default_loop loop;
  ev::periodic p;
  p.set<on_periodic>((void *)"p");

  printf("absolute time, no interval\n");
  left = 1;
  p.start(ev::now(loop) + 0.02);
  loop.run();

  printf("interval 0.01 on a grid, three expiries\n");
  left = 3;
  p.start(0., 0.01);
  loop.run();

  printf("set() on an active periodic restarts it\n");
  left = 1;
  p.start(ev::now(loop) + 60.);
  p.set(ev::now(loop) + 0.01);
  printf("  active after set: %d\n", p.is_active());
  loop.run();

  printf("again() after changing the offset\n");
  left = 1;
  p.start(ev::now(loop) + 60.);
  p.offset = ev::now(loop) + 0.01;
  p.again();
  loop.run();

  printf("reschedule callback, two expiries\n");
  left = 2;
  p.set(0., 0.);
  p.reschedule_cb = in_20ms;
  p.start();
  loop.run();
  p.set(0., 1.);
  printf("  set() cleared the reschedule callback: %d\n", p.reschedule_cb == nullptr);
  return 0;
}
