/* ev_periodic in its three modes: absolute (once, at offset; one in the past fires at once),
 * interval (on the grid offset + k * interval, never before it) and reschedule callback (at
 * whatever the callback returns). Counts and grid positions are printed, never times.
 * ev_periodic_again picks up changed parameters. */
#include "compat.h"

static int fired;

static void on_absolute(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace(loop, w, revents);
  show_state(w);
}

static void on_interval(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace_untimed(w, revents);
  double steps = (ev_periodic_at(w) - w->offset) / w->interval;
  double off_grid = steps - (double)(long)(steps + 0.5);
  printf("  next due on the grid: %d, after now: %d\n", off_grid < 1e-3 && off_grid > -1e-3,
         ev_periodic_at(w) > ev_now(loop));
  if (++fired == 3) ev_periodic_stop(loop, w);
}

static ev_tstamp reschedule(ev_periodic *w, ev_tstamp now) {
  (void)w;
  return now + 0.015;
}

static void on_rescheduled(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace_untimed(w, revents);
  double error = ev_periodic_at(w) - ev_now(loop) - 0.015;
  printf("  next due 15 ms from now: %d\n", error < 1e-6 && error > -1e-6);
  if (++fired == 3) ev_periodic_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_periodic absolute, past, interval, rescheduled;

  ev_periodic_init(&absolute, on_absolute, ev_now(loop) + 0.02, 0., 0);
  ev_periodic_init(&past, on_absolute, ev_now(loop) - 10., 0., 0);
  absolute.data = "absolute";
  past.data = "absolute-in-the-past";
  ev_periodic_start(loop, &absolute);
  ev_periodic_start(loop, &past);
  printf("absolute: run returned %d\n", ev_run(loop, 0));

  fired = 0;
  ev_periodic_init(&interval, on_interval, 0.003, 0.02, 0);
  interval.data = "interval";
  ev_periodic_start(loop, &interval);
  int result = ev_run(loop, 0);
  printf("interval: run returned %d, fired %d\n", result, fired);

  fired = 0;
  ev_periodic_init(&rescheduled, on_rescheduled, 0., 0., reschedule);
  rescheduled.data = "rescheduled";
  ev_periodic_start(loop, &rescheduled);
  result = ev_run(loop, 0);
  printf("reschedule callback: run returned %d, fired %d\n", result, fired);

  printf("ev_periodic_again after changing the offset\n");
  ev_periodic_set(&absolute, ev_now(loop) + 1000., 0., 0);
  ev_periodic_start(loop, &absolute);
  absolute.offset = ev_now(loop) - 1.;
  ev_periodic_again(loop, &absolute);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
