// ev++.h with EV_COMPAT3 (the default): libev 3's names. loop_ref::loop(flags) and unloop(how),
// ev::NONBLOCK and ev::ONESHOT for NOWAIT and ONCE, ev::TIMEOUT for TIMER.
#include <ev++.h>

#include "compat.h"

static void on_timer(ev::timer &w, int revents) {
  printf("  %s %s is TIMEOUT %d\n", label_of(&w), revents_text(revents), revents == ev::TIMEOUT);
  if (w.repeat == 0.) return;
  printf("  unloop(ALL) at depth %u\n", w.loop.depth());
  w.loop.unloop(ev::ALL);
}

int main() {
  compat_begin();
  ev::default_loop loop;
  printf("NONBLOCK == NOWAIT %d, ONESHOT == ONCE %d, TIMEOUT == TIMER %d\n",
         ev::NONBLOCK == ev::NOWAIT, ev::ONESHOT == ev::ONCE, ev::TIMEOUT == ev::TIMER);
  ev::timer once, repeating;
  once.set<on_timer>((void *)"once");
  repeating.set<on_timer>((void *)"repeating");

  printf("loop(NONBLOCK) with a timer not yet due\n");
  once.start(0.02);
  loop.loop(ev::NONBLOCK);
  printf("  active %d\n", once.is_active());
  printf("loop(ONESHOT) until it fires\n");
  while (once.is_active()) loop.loop(ev::ONESHOT);
  printf("loop() ended by unloop(ALL)\n");
  repeating.start(0.01, 0.01);
  loop.loop();
  printf("  returned, repeating active %d\n", repeating.is_active());
  repeating.stop();
  return 0;
}
