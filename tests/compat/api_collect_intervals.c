/* ev_set_timeout_collect_interval: the loop never blocks for less than the collect interval
 * when it waits for a timer, so timers expiring within it are handled together, even one that
 * had already expired when the loop went to sleep. Compared with the same timers without
 * collecting. Expiries are at least 50 ms away from the interval's boundaries. */
#include "compat.h"

static ev_timer timers[3];

static void scenario(struct ev_loop *loop, ev_tstamp collect) {
  printf("timeout collect interval %.2f\n", collect);
  ev_set_timeout_collect_interval(loop, collect);
  static const struct {
    const char *label;
    ev_tstamp after;
  } specs[3] = {{"at-0", 0.}, {"at-0.05", 0.05}, {"at-0.3", 0.3}};
  for (int i = 0; i < 3; ++i) {
    ev_timer_init(&timers[i], TRACE_CB(ev_timer), specs[i].after, 0.);
    timers[i].data = (void *)specs[i].label;
    ev_timer_start(loop, &timers[i]);
  }
  unsigned first = ev_iteration(loop);
  ev_run(loop, 0);
  printf("  iterations: %u\n", ev_iteration(loop) - first);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  scenario(loop, 0.);
  scenario(loop, 0.15);
  ev_loop_destroy(loop);
  return 0;
}
