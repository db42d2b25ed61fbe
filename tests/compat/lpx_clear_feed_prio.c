/* ev_clear_pending, ev_feed_event and watcher stops on pending watchers of several priorities
 * inside and outside ev_run: order of invocation, revents merging, ev_pending_count and flags. */
#include "compat.h"

static ev_timer w[6];
static const char *names[6] = {"p2-a", "p2-b", "p0-a", "p0-b", "m2-a", "m2-b"};
static int pris[6] = {2, 2, 0, 0, -2, -2};
static int inside;

static void on_any(struct ev_loop *loop, ev_timer *t, int revents) {
  trace(loop, t, revents);
  printf("  pending count %u\n", ev_pending_count(loop));
  if (!inside) return;
  if (t == &w[0] && inside++ == 1) {
    printf("  clear p0-a -> %s\n", revents_text(ev_clear_pending(loop, &w[2])));
    printf("  feed m2-a CUSTOM again\n");
    ev_feed_event(loop, &w[4], EV_CUSTOM);
    printf("  feed p2-a (itself) CUSTOM\n");
    ev_feed_event(loop, &w[0], EV_CUSTOM);
  } else if (t == &w[3]) {
    printf("  stop m2-b (active and pending)\n");
    ev_timer_stop(loop, &w[5]);
    printf("  feed p2-b TIMER\n");
    ev_feed_event(loop, &w[1], EV_TIMER);
    printf("  feed p0-a again\n");
    ev_feed_event(loop, &w[2], EV_CUSTOM);
  }
}

static void states(struct ev_loop *loop, const char *what) {
  printf("%s: pending count %u\n", what, ev_pending_count(loop));
  for (int i = 0; i < 6; ++i) show_state(&w[i]);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  for (int i = 0; i < 6; ++i) {
    ev_timer_init(&w[i], on_any, 50., 0.);
    w[i].data = (void *)names[i];
    ev_set_priority(&w[i], pris[i]);
  }
  ev_timer_start(loop, &w[5]);
  ev_timer_start(loop, &w[1]);
  for (int i = 0; i < 6; ++i) ev_feed_event(loop, &w[i], EV_CUSTOM);
  ev_feed_event(loop, &w[3], EV_TIMER);
  states(loop, "fed all");
  printf("clear m2-b -> %s\n", revents_text(ev_clear_pending(loop, &w[5])));
  printf("clear p2-b -> %s\n", revents_text(ev_clear_pending(loop, &w[1])));
  states(loop, "cleared two");
  ev_feed_event(loop, &w[5], EV_TIMER);
  states(loop, "refed m2-b");
  inside = 1;
  printf("run NOWAIT returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  states(loop, "after run");
  for (int i = 0; i < 6; ++i) ev_timer_stop(loop, &w[i]);
  for (int i = 0; i < 6; ++i) {
    ev_timer_set(&w[i], 0., 0.);
    ev_timer_start(loop, &w[i]);
  }
  ev_timer_stop(loop, &w[2]);
  ev_clear_pending(loop, &w[3]);
  printf("zero timers, run ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
  states(loop, "end");
  printf("final run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
  return 0;
}
