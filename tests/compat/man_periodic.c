/* The ev_periodic examples, with a 30 ms period instead of an hour: an absolute periodic at
 * ev_now () + 50 ms between timers at 20 and 80 ms; "every hour on the hour" as interval 30 ms
 * offset 0 (each due time a multiple of the interval); the same with a reschedule callback built
 * on fmod, which stops itself the way the manual says (return now + 1e30 and stop the watcher
 * from an ev_prepare watcher started in the reschedule callback); and "every hour, starting now"
 * with offset fmod (ev_now, interval). Only orders, counts and grid checks are printed. */
#include "compat.h"

static const ev_tstamp period = 0.03;
static ev_periodic tick;
static ev_prepare stopper;
static int fires;

/* fmod for positive operands; the compat programs are not linked with libm. */
static double fmod(double x, double y) {
  return x - y * (double)(long long)(x / y);
}

static int on_grid(ev_tstamp at, ev_tstamp offset) {
  double phase = fmod(at - offset, period);
  return phase < 1e-4 || phase > period - 1e-4;
}

static void absolute_cb(struct ev_loop *loop, ev_periodic *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
  show_state(w);
}

static void clock_cb(struct ev_loop *loop, ev_periodic *w, int revents) {
  trace_untimed(w, revents);
  ++fires;
  if (ev_periodic_at(w) - ev_now(loop) > 1e20)
    printf("  fire %d: next due in the far future\n", fires);
  else
    printf("  fire %d: next due on the grid %d, after now %d\n", fires,
           on_grid(ev_periodic_at(w), w->offset), ev_periodic_at(w) > ev_now(loop));
  if (fires == 3 && !w->reschedule_cb) ev_periodic_stop(loop, w);
}

static ev_tstamp my_scheduler_cb(ev_periodic *w, ev_tstamp now) {
  (void)w;
  if (fires >= 3) {
    printf("  reschedule: far future, prepare watcher started\n");
    ev_prepare_start(EV_DEFAULT_UC, &stopper);
    return now + 1e30;
  }
  return now + (period - fmod(now, period));
}

static void untimed_timer_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
}

static void stopper_cb(struct ev_loop *loop, ev_prepare *w, int revents) {
  trace_untimed(w, revents);
  printf("  periodic active %d, due after now %d\n", !!ev_is_active(&tick),
         ev_periodic_at(&tick) > ev_now(loop));
  ev_periodic_stop(loop, &tick);
  ev_prepare_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("absolute: ev_now () + 50 ms, timers at 20 and 80 ms\n");
  ev_periodic absolute;
  ev_periodic_init(&absolute, absolute_cb, ev_now(loop) + 0.05, 0., 0);
  absolute.data = "absolute";
  ev_periodic_start(loop, &absolute);
  ev_timer before, after;
  ev_timer_init(&before, untimed_timer_cb, 0.02, 0.);
  before.data = "timer-20ms";
  ev_timer_start(loop, &before);
  ev_timer_init(&after, untimed_timer_cb, 0.08, 0.);
  after.data = "timer-80ms";
  ev_timer_start(loop, &after);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("interval: on the grid, offset 0\n");
  ev_periodic_init(&tick, clock_cb, 0., period, 0);
  tick.data = "hourly_tick";
  ev_periodic_start(loop, &tick);
  printf("  started: due on the grid %d\n", on_grid(ev_periodic_at(&tick), 0.));
  printf("run returned %d\n", ev_run(loop, 0));

  printf("reschedule callback: on the grid, stopped through a prepare watcher\n");
  fires = 0;
  ev_prepare_init(&stopper, stopper_cb);
  stopper.data = "stopper";
  ev_periodic_init(&tick, clock_cb, 0., 0., my_scheduler_cb);
  tick.data = "hourly_tick";
  ev_periodic_start(loop, &tick);
  printf("  started: due on the grid %d\n", on_grid(ev_periodic_at(&tick), 0.));
  printf("run returned %d\n", ev_run(loop, 0));

  printf("interval: starting now\n");
  fires = 0;
  ev_periodic_init(&tick, clock_cb, fmod(ev_now(loop), period), period, 0);
  tick.data = "hourly_tick";
  ev_periodic_start(loop, &tick);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
