// ev++.h: feed_event() on active and inactive watchers of several types, is_pending() before
// the callback, two feeds merging their revents, stop() cancelling a fed event, set() on an
// active watcher cancelling one (it stops and restarts the watcher), and priorities.
#include <ev++.h>

#include "compat.h"

template <class Watcher>
static void on_event(Watcher &w, int revents) {
  printf("  %s %s active=%d pending=%d\n", label_of(&w), revents_text(revents), w.is_active(),
         w.is_pending());
}

int main() {
  compat_begin();
  ev::default_loop loop;
  ev::idle idle;
  ev::timer timer;
  ev::check check;
  ev::async async;
  idle.set<on_event<ev::idle>>((void *)"idle");
  timer.set<on_event<ev::timer>>((void *)"timer");
  check.set<on_event<ev::check>>((void *)"check");
  async.set<on_event<ev::async>>((void *)"async");

  printf("fed while inactive\n");
  idle.feed_event(ev::IDLE);
  timer.feed_event(ev::TIMER);
  check.feed_event(EV_CUSTOM);
  printf("  pending: %d %d %d\n", idle.is_pending(), timer.is_pending(), check.is_pending());
  loop.run(ev::NOWAIT);

  printf("fed twice: the revents merge into one callback\n");
  async.start();
  async.feed_event(ev::ASYNC);
  async.feed_event(EV_CUSTOM);
  loop.run(ev::NOWAIT);

  printf("stop() cancels a fed event\n");
  timer.start(30.);
  timer.feed_event(ev::TIMER);
  timer.stop();
  printf("  pending after stop: %d\n", timer.is_pending());
  loop.run(ev::NOWAIT);

  printf("set() on an active watcher cancels a fed event\n");
  timer.start(30.);
  timer.feed_event(ev::TIMER);
  timer.set(20.);
  printf("  active %d pending %d\n", timer.is_active(), timer.is_pending());
  loop.run(ev::NOWAIT);
  timer.stop();

  printf("priorities: higher first, then the last fed first\n");
  ev_set_priority(&idle, -1);
  ev_set_priority(&check, 2);
  idle.feed_event(ev::IDLE);
  timer.feed_event(ev::TIMER);
  async.feed_event(ev::ASYNC);
  check.feed_event(ev::CHECK);
  loop.run(ev::NOWAIT);
  async.stop();
  return 0;
}
