// ev++.h: ev::sig. start(signum) and a raised signal, set() on an active watcher (moves it to
// another signal), two watchers on one signal, loop_ref::feed_signal_event, feed_event on the
// watcher, and stop() leaving the signal to nobody (it stays blocked from the default action
// only while watched, so the program ignores it before raising it again).
#include <ev++.h>

#include <signal.h>

#include "compat.h"

static int calls;

// Each watcher's data points at its Named object (set<class, &class::method> puts it there).
struct Named {
  const char *name;
  void on_signal(ev::sig &w, int revents) {
    ++calls;
    printf("  %s signum=%s %s\n", name, w.signum == SIGUSR1 ? "USR1" : "USR2",
           revents_text(revents));
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  Named first_name{"first"}, second_name{"second"}, guard_name{"guard"};
  ev::sig first, second;
  first.set<Named, &Named::on_signal>(&first_name);
  second.set<Named, &Named::on_signal>(&second_name);

  printf("raise USR1\n");
  first.start(SIGUSR1);
  raise(SIGUSR1);
  loop.run(ev::NOWAIT);

  printf("first moved to USR2 while active, raise both\n");
  first.set(SIGUSR2);
  printf("  active=%d\n", first.is_active());
  ev::sig guard_usr1;  // keeps USR1 from killing the process while nobody else watches it
  guard_usr1.set<Named, &Named::on_signal>(&guard_name);
  guard_usr1.start(SIGUSR1);
  raise(SIGUSR1);
  raise(SIGUSR2);
  loop.run(ev::NOWAIT);

  printf("two watchers on USR2\n");
  second.start(SIGUSR2);
  raise(SIGUSR2);
  loop.run(ev::NOWAIT);

  printf("feed_signal_event(USR2)\n");
  loop.feed_signal_event(SIGUSR2);
  loop.run(ev::NOWAIT);

  printf("feed_event on one watcher\n");
  second.feed_event(ev::SIGNAL);
  loop.run(ev::NOWAIT);

  printf("all stopped\n");
  first.stop();
  second.stop();
  guard_usr1.stop();
  signal(SIGUSR1, SIG_IGN);
  raise(SIGUSR1);
  loop.run(ev::NOWAIT);
  printf("calls: %d\n", calls);
  return 0;
}
