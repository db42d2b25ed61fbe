/* ev_suspend/ev_resume: time spent suspended does not count for relative timers (an active
 * timer's remaining time is the same after the suspension), a stopped timer keeps its
 * remainder, and an absolute periodic keeps its wall-clock time. Times are printed rounded to
 * 0.1 s; they can only shrink, and each stays correct unless the program stalls for 70 ms. */
#include "compat.h"

static ev_timer active_timer, stopped_timer;
static ev_periodic absolute;

static void show(struct ev_loop *loop, const char *when, ev_tstamp start) {
  printf("%s: active timer %.1f, stopped timer %.1f, periodic in %.1f\n", when,
         ev_timer_remaining(loop, &active_timer), ev_timer_remaining(loop, &stopped_timer),
         ev_periodic_at(&absolute) - start);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_tstamp start = ev_now(loop);
  ev_timer_init(&active_timer, TRACE_CB(ev_timer), 0.23, 0.);
  ev_timer_init(&stopped_timer, TRACE_CB(ev_timer), 0.42, 0.);
  ev_periodic_init(&absolute, TRACE_CB(ev_periodic), start + 0.47, 0., 0);
  active_timer.data = "active-timer";
  stopped_timer.data = "stopped-timer";
  absolute.data = "periodic";
  ev_timer_start(loop, &active_timer);
  ev_timer_start(loop, &stopped_timer);
  ev_timer_stop(loop, &stopped_timer);
  ev_periodic_start(loop, &absolute);
  show(loop, "before", start);
  ev_suspend(loop);
  ev_sleep(0.1);
  ev_resume(loop);
  show(loop, "after 0.1 s suspended", start);
  printf("timers and periodic in expiry order:\n");
  ev_run(loop, 0);
  return 0;
}
