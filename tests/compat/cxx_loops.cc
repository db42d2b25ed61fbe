// ev++.h: ev::default_loop and ev::dynamic_loop. Two default_loop objects are the same loop;
// each dynamic_loop is its own and is destroyed with its object (its watchers, declared after
// it, are destroyed first); a watcher constructed without a loop belongs to the default loop;
// set(loop) moves an inactive watcher to another loop; the same callback serves both.
#include <ev++.h>

#include <stdlib.h>

#include "compat.h"

static void on_idle(ev::idle &w, int revents) {
  printf("  %s %s on the %s loop\n", label_of(&w), revents_text(revents),
         w.loop.is_default() ? "default" : "dynamic");
  w.stop();
}

static unsigned env_backend() {
  const char *env = getenv("LIBEV_FLAGS");
  return env ? (unsigned)atoi(env) : 0;
}

int main() {
  compat_begin();
  ev::default_loop first;
  ev::default_loop second(ev::AUTO);
  printf("two default_loop objects are one loop: %d\n", first == second);

  ev::idle on_default;
  on_default.set<on_idle>((void *)"constructed-without-loop");
  printf("watcher without a loop is on the default loop: %d\n", on_default.loop == first);
  on_default.start();
  first.run();

  for (int round = 1; round <= 2; ++round) {
    printf("dynamic loop %d\n", round);
    ev::dynamic_loop own(env_backend() | ev::NOENV);
    printf("  distinct from the default loop: %d, is_default %d\n", own != first, own.is_default());
    ev::idle w(own);
    w.set<on_idle>((void *)"dynamic-idle");
    w.start();
    own.run();
    printf("  iteration %u\n", own.iteration());
    ev::idle moved;
    moved.set<on_idle>((void *)"moved-idle");
    moved.set(own);
    printf("  moved watcher is on the dynamic loop: %d\n", moved.loop == own);
    moved.start();
    own.run();
  }
  printf("the default loop still works\n");
  on_default.start();
  first.run();
  return 0;
}
