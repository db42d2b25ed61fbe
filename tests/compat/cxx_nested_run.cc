// ev++.h: run() from inside a callback. An inner run ended by break_loop(ONE) returns to the
// outer callback and the outer run goes on; break_loop(ALL) from the inner run ends both;
// depth() counts the nesting. Each round's watchers stop when its Nesting object goes away.
#include <ev++.h>

#include "compat.h"

struct Nesting {
  ev::timer outer_timer, inner_timer;
  ev::how_t how;
  int outer_calls = 0;

  void on_outer(ev::timer &w, int revents) {
    ++outer_calls;
    printf("  outer %s depth %u\n", revents_text(revents), w.loop.depth());
    if (outer_calls > 1) {
      w.stop();
      return;
    }
    inner_timer.start(0.01);
    w.loop.run();
    printf("  inner run returned, depth %u, inner timer active %d\n", w.loop.depth(),
           inner_timer.is_active());
  }
  void on_inner(ev::timer &w, int revents) {
    printf("  inner %s depth %u, break_loop(%s)\n", revents_text(revents), w.loop.depth(),
           how == ev::ONE ? "ONE" : "ALL");
    w.loop.break_loop(how);
  }
  Nesting() {
    outer_timer.set<Nesting, &Nesting::on_outer>(this);
    inner_timer.set<Nesting, &Nesting::on_inner>(this);
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  for (ev::how_t how : {ev::ONE, ev::ALL}) {
    printf("break_loop(%s)\n", how == ev::ONE ? "ONE" : "ALL");
    Nesting nesting;
    nesting.how = how;
    nesting.outer_timer.start(0.01, 0.3);  // repeats well after the inner timer, under load too
    loop.run();
    printf("  outer run returned, depth %u, outer calls %d, outer active %d\n", loop.depth(),
           nesting.outer_calls, nesting.outer_timer.is_active());
  }
  return 0;
}
