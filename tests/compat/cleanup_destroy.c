/* ev_cleanup: cleanup watchers never keep a loop alive, run only when the loop is destroyed
 * (in libev's queue order), may stop other watchers from there, and a stopped one stays quiet.
 * Runs on a loop of its own and on the default loop. */
#include <stdlib.h>

#include "compat.h"

static ev_timer long_timer;

static void on_cleanup(struct ev_loop *loop, ev_cleanup *w, int revents) {
  printf("%s %s, depth %u, pending count %u\n", label_of(w), revents_text(revents), ev_depth(loop),
         ev_pending_count(loop));
  if (ev_is_active(&long_timer)) {
    ev_timer_stop(loop, &long_timer);
    printf("  stopped the long timer\n");
  }
}

static void exercise(struct ev_loop *loop) {
  ev_cleanup a, b, c, stopped;
  ev_cleanup_init(&a, on_cleanup);
  ev_cleanup_init(&b, on_cleanup);
  ev_cleanup_init(&c, on_cleanup);
  ev_cleanup_init(&stopped, on_cleanup);
  a.data = "cleanup-a";
  b.data = "cleanup-b";
  c.data = "cleanup-c";
  stopped.data = "cleanup-stopped";
  ev_cleanup_start(loop, &a);
  ev_cleanup_start(loop, &stopped);
  ev_cleanup_start(loop, &b);
  ev_cleanup_start(loop, &c);
  ev_set_priority(&c, 1);
  printf("run with only cleanup watchers returned %d\n", ev_run(loop, 0));
  ev_cleanup_stop(loop, &stopped);
  show_state(&stopped);
  ev_timer_init(&long_timer, TRACE_CB(ev_timer), 100., 0.);
  long_timer.data = "long";
  ev_timer_start(loop, &long_timer);
  printf("NOWAIT with a long timer returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("destroying\n");
  ev_loop_destroy(loop);
  printf("destroyed\n");
}

int main(void) {
  compat_begin();
  const char *env = getenv("LIBEV_FLAGS");
  unsigned backend = env ? (unsigned)atoi(env) : 0;
  printf("own loop\n");
  exercise(ev_loop_new(backend | EVFLAG_NOENV));
  printf("default loop\n");
  exercise(ev_default_loop(0));
  return 0;
}
