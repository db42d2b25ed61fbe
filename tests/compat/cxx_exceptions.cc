// ev++.h: exceptions thrown by watcher callbacks leave run() (libev's manual allows this from
// watcher callbacks only) and the loop stays usable: the events still pending when one was
// thrown are delivered by the next run, depth() keeps the level the thrown run had reached
// (libev does not unwind its counter), and exceptions also leave ev_invoke_pending and
// ev_invoke, and a nested run into the callback that started it.
#include <ev++.h>

#include <stdexcept>

#include "compat.h"

static const char *thrower;

template <class Watcher>
static void on_event(Watcher &w, int revents) {
  printf("  %s %s\n", label_of(&w), revents_text(revents));
  if (thrower && !strcmp(label_of(&w), thrower)) {
    thrower = nullptr;
    throw std::runtime_error(label_of(&w));
  }
}

static void show(ev::loop_ref loop, const char *what) {
  printf("  %s: depth %u, pending count %u\n", what, loop.depth(), ev_pending_count(loop));
}

struct Nest {
  ev::timer outer, inner;
  Nest() {
    outer.set<Nest, &Nest::on_outer>(this);
    inner.set<Nest, &Nest::on_inner>(this);
  }
  void on_outer(ev::timer &w, int) {
    inner.start(0.);
    try {
      w.loop.run();
    } catch (std::runtime_error &e) {
      printf("  outer callback caught '%s' from its nested run, depth %u\n", e.what(),
             w.loop.depth());
    }
  }
  void on_inner(ev::timer &w, int) {
    printf("  inner timer at depth %u throws\n", w.loop.depth());
    throw std::runtime_error("inner");
  }
};

int main() {
  compat_begin();
  ev::default_loop loop;
  ev::idle a, b, c, d;
  a.set<on_event<ev::idle>>((void *)"a");
  b.set<on_event<ev::idle>>((void *)"b");
  c.set<on_event<ev::idle>>((void *)"c");
  d.set<on_event<ev::idle>>((void *)"d");
  ev_set_priority(&a, 1);

  printf("four fed events, one callback throws\n");
  for (ev::idle *w : {&a, &b, &c, &d}) w->feed_event(ev::IDLE);
  thrower = "c";
  try {
    loop.run(ev::NOWAIT);
    printf("  run returned\n");
  } catch (std::runtime_error &e) {
    printf("  caught '%s'\n", e.what());
  }
  show(loop, "after the exception");
  for (ev::idle *w : {&a, &b, &c, &d}) printf("  %s pending %d\n", label_of(w), w->is_pending());
  loop.run(ev::NOWAIT);
  show(loop, "after the next run");

  printf("ev_invoke_pending throws\n");
  for (ev::idle *w : {&a, &b, &c, &d}) w->feed_event(ev::IDLE);
  thrower = "d";
  try {
    ev_invoke_pending(loop);
  } catch (std::runtime_error &e) {
    printf("  caught '%s'\n", e.what());
  }
  show(loop, "after the exception");
  ev_invoke_pending(loop);
  show(loop, "after invoking the rest");

  printf("ev_invoke throws\n");
  thrower = "b";
  try {
    ev_invoke(loop, &b, ev::IDLE);
  } catch (std::runtime_error &e) {
    printf("  caught '%s'\n", e.what());
  }

  printf("an active watcher's callback throws, the watcher stays active\n");
  a.start();
  thrower = "a";
  try {
    loop.run();
  } catch (std::runtime_error &e) {
    printf("  caught '%s', a active %d\n", e.what(), a.is_active());
  }
  a.stop();

  printf("a nested run throws into the callback that started it\n");
  Nest nest;
  nest.outer.start(0.);
  loop.run();
  show(loop, "after the run");
  return 0;
}
