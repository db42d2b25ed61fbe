// ev++.h: ev::prepare, ev::check and ev::idle around each iteration, with priorities set
// through the C macro on the watcher: prepare before the poll, check after, idle only when
// nothing else is pending, a high-priority idle starving a low-priority one, and set() (which
// has nothing to set) on an active watcher.
#include <ev++.h>

#include "compat.h"

struct Tracer {
  const char *name;
  int left;
  void fire(ev::prepare &w, int revents) { report(w, revents); }
  void fire(ev::check &w, int revents) { report(w, revents); }
  void fire(ev::idle &w, int revents) { report(w, revents); }

  template <class Watcher>
  void report(Watcher &w, int revents) {
    printf("  [iter %u] %s %s\n", w.loop.iteration(), name, revents_text(revents));
    if (--left == 0) w.stop();
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  Tracer prep{"prepare", 3}, chk{"check", 3}, idle_high{"idle-high", 2}, idle_low{"idle-low", 2};
  ev::prepare p;
  ev::check c;
  ev::idle high, low;
  p.set<Tracer, &Tracer::fire>(&prep);
  c.set<Tracer, &Tracer::fire>(&chk);
  high.set<Tracer, &Tracer::fire>(&idle_high);
  low.set<Tracer, &Tracer::fire>(&idle_low);
  ev_set_priority(&high, 1);
  ev_set_priority(&low, -1);

  p.start();
  c.start();
  high.start();
  low.start();
  high.set();
  printf("high idle still active after set(): %d\n", high.is_active());
  loop.run();
  printf("all stopped: %d %d %d %d, iteration %u\n", p.is_active(), c.is_active(), high.is_active(),
         low.is_active(), loop.iteration());
  return 0;
}
