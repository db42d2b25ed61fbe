/* Zero and negative timeouts expire in the first iteration, ordered by their (past) expiry time;
 * a zero timeout started from a callback expires in the next iteration, not the current one;
 * a repeating timer that is far behind is rescheduled relative to now. */
#include "compat.h"

static ev_timer timers[6];
static ev_timer late_zero;

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(w);
  if (w == &timers[0]) {
    ev_timer_start(loop, &late_zero);
    printf("  started late-zero\n");
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  static const struct {
    const char *label;
    double after;
  } specs[] = {{"zero-a", 0.}, {"minus-one", -1.},    {"minus-half", -0.5},
               {"zero-b", 0.}, {"minus-tiny", -1e-6}, {"minus-ten", -10.}};
  for (int i = 0; i < 6; ++i) {
    ev_timer_init(&timers[i], on_timer, specs[i].after, 0.);
    timers[i].data = (void *)specs[i].label;
    ev_timer_start(loop, &timers[i]);
  }
  ev_timer_init(&late_zero, on_timer, 0., 0.);
  late_zero.data = "late-zero";
  printf("remaining of minus-one before running: %.1f\n", ev_timer_remaining(loop, &timers[1]));
  printf("run returned %d\n", ev_run(loop, 0));

  printf("negative timeout with a repeat interval\n");
  ev_timer_set(&timers[1], -1., 0.02);
  ev_timer_start(loop, &timers[1]);
  ev_run(loop, EVRUN_ONCE);
  /* More than one interval late: libev reschedules at the current time, not in the past. */
  printf("remaining after the first expiry: %.2f\n", ev_timer_remaining(loop, &timers[1]));
  ev_timer_stop(loop, &timers[1]);
  return 0;
}
