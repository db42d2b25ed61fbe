/* ev_suspend/ev_resume as the manual describes them: "all ev_timer watchers will be delayed by
 * the time spent between ev_suspend and ev_resume, and all ev_periodic watchers will be
 * rescheduled (that is, they will lose any events that would have occurred while suspended)",
 * and both update the event loop time. A 200 ms timer, an interval periodic (every 200 ms from
 * now on) and an absolute periodic (in 200 ms) are started, then the loop is suspended for
 * 500 ms: afterwards the timer still has about 200 ms to go, the absolute periodic fell due
 * and fires at once, and the interval periodic, rescheduled to its next grid point (600 ms
 * after the start, about 100 ms after the resume), fires once in an iteration of its own before
 * the timer. A control run without suspension shows the timer firing normally. Remaining times
 * are rounded to 0.1 s or compared with 100 ms, 95 ms or more from the boundary, so that a
 * loaded machine's late wake-ups do not change the trace. */
#include "compat.h"

static ev_timer timer;
static ev_periodic interval, absolute;
static int interval_fires;

static void timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  printf("  interval periodic fired %d times so far\n", interval_fires);
  ev_periodic_stop(loop, &interval);
}

static void interval_cb(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace(loop, w, revents);
  ++interval_fires;
}

static void absolute_cb(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace(loop, w, revents);
  printf("  timer remaining more than 100 ms %d\n", ev_timer_remaining(loop, &timer) > 0.1);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  ev_timer_init(&timer, timer_cb, 0.2, 0.);
  timer.data = "timer";
  ev_periodic_init(&interval, interval_cb, ev_now(loop), 0.2, 0);
  interval.data = "interval";
  ev_periodic_init(&absolute, absolute_cb, ev_now(loop) + 0.2, 0., 0);
  absolute.data = "absolute";
  ev_timer_start(loop, &timer);
  ev_periodic_start(loop, &interval);
  ev_periodic_start(loop, &absolute);
  ev_tstamp before = ev_now(loop);
  ev_suspend(loop);
  usleep(500 * 1000);
  ev_resume(loop);
  printf("after suspend and resume: ev_now advanced by 500 ms or more %d, timer remaining %.1f\n",
         ev_now(loop) - before >= 0.5, ev_timer_remaining(loop, &timer));
  printf("run returned %d\n", ev_run(loop, 0));

  printf("control: no suspension\n");
  interval_fires = 0;
  ev_timer_set(&timer, 0.2, 0.);
  ev_timer_start(loop, &timer);
  ev_periodic_set(&absolute, ev_now(loop) + 0.001, 0., 0);
  ev_periodic_start(loop, &absolute);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
