// ev++.h: ev::timer. start(after, repeat), set() on an active timer (restarts it with the new
// values), again() with and without repeat, remaining() (only compared against bounds), stop()
// and a later start() without set(), and three timers with equal expiry.
#include <ev++.h>

#include "compat.h"

static int fired;

static void on_timer(ev::timer &w, int revents) {
  ++fired;
  printf("  %s %s active=%d\n", label_of(&w), revents_text(revents), w.is_active());
}

static void bounds(const char *what, ev::tstamp value, ev::tstamp low, ev::tstamp high) {
  printf("  %s in [%g, %g]: %d\n", what, low, high, value >= low && value <= high);
}

int main() {
  compat_begin();
  ev::default_loop loop;

  printf("one-shot timer\n");
  ev::timer once;
  once.set<on_timer>((void *)"once");
  once.start(0.01);
  loop.run();

  printf("repeating timer, stopped after three expiries\n");
  struct Counter {
    int left = 3;
    void tick(ev::timer &w, int revents) {
      printf("  repeat %s, %d left\n", revents_text(revents), --left);
      if (!left) w.stop();
    }
  } counter;
  ev::timer repeating;
  repeating.set<Counter, &Counter::tick>(&counter);
  repeating.start(0.005, 0.005);
  loop.run();

  printf("set() on an active timer restarts it\n");
  ev::timer slow;
  slow.set<on_timer>((void *)"slow");
  slow.start(60.);
  bounds("remaining", slow.remaining(), 59., 60.);
  slow.set(0.01);
  printf("  active after set: %d\n", slow.is_active());
  bounds("remaining", slow.remaining(), 0., 0.01);
  loop.run();

  printf("again() with a repeat value\n");
  ev::timer idle_timeout;
  idle_timeout.set<on_timer>((void *)"idle-timeout");
  idle_timeout.set(0., 30.);
  idle_timeout.again();
  printf("  active=%d\n", idle_timeout.is_active());
  bounds("remaining", idle_timeout.remaining(), 29., 30.);
  idle_timeout.repeat = 0.01;
  idle_timeout.again();
  bounds("remaining after repeat=0.01 and again", idle_timeout.remaining(), 0., 0.01);
  loop.run(ev::ONCE);
  while (fired < 3) loop.run(ev::ONCE);
  idle_timeout.repeat = 0.;
  idle_timeout.again();
  printf("  again() with repeat 0: active=%d\n", idle_timeout.is_active());

  printf("stop() keeps the remaining time for start()\n");
  ev::timer paused;
  paused.set<on_timer>((void *)"paused");
  paused.start(40.);
  paused.stop();
  bounds("remaining while stopped", paused.remaining(), 39., 40.);
  paused.start();
  bounds("remaining after start()", paused.remaining(), 38., 40.);
  paused.stop();

  printf("three timers with the same expiry\n");
  ev::timer t1, t2, t3;
  t1.set<on_timer>((void *)"t1");
  t2.set<on_timer>((void *)"t2");
  t3.set<on_timer>((void *)"t3");
  t2.start(0.01);
  t3.start(0.01);
  t1.start(0.01);
  loop.run();
  printf("fired %d times\n", fired);
  return 0;
}
