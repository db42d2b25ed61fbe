/* Timer corners: ev_timer_remaining of a timer that was never started (its "after" value),
 * ev_timer_again on a stopped timer with repeat 0 (nothing happens) and > 0 (starts with the
 * repeat as timeout), a huge (1e30 s) timeout and repeat, a timer started again while pending,
 * ev_sleep with zero and negative delays, and ev_now/ev_time/ev_now_update ordering. Remaining
 * times are printed rounded to 0.1 s or as %g for huge values. */
#include "compat.h"

static struct ev_loop *loop;
static ev_timer timer, pending_timer;

static void remaining(const char *what, ev_timer *w) {
  ev_tstamp r = ev_timer_remaining(loop, w);
  if (r > 1e6 || r < -1e6)
    printf("  %s: remaining %g, active %d\n", what, r, !!ev_is_active(w));
  else
    printf("  %s: remaining %.1f, active %d\n", what, r + 0., !!ev_is_active(w));
}

static void on_pending_timer(struct ev_loop *l, ev_timer *w, int revents) {
  trace(l, w, revents);
  remaining("in its callback", w);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);

  printf("never started\n");
  ev_timer_init(&timer, TRACE_CB(ev_timer), 2.5, 0.);
  timer.data = "timer";
  remaining("after init(2.5, 0)", &timer);
  ev_timer_again(loop, &timer);
  remaining("after again with repeat 0", &timer);
  timer.repeat = 1.5;
  ev_timer_again(loop, &timer);
  remaining("after again with repeat 1.5", &timer);
  ev_timer_stop(loop, &timer);
  remaining("stopped", &timer);
  ev_timer_start(loop, &timer);
  remaining("started again without set", &timer);
  ev_timer_stop(loop, &timer);

  printf("huge timeout\n");
  ev_timer_set(&timer, 1e30, 0.);
  ev_timer_start(loop, &timer);
  remaining("started", &timer);
  printf("  run NOWAIT returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_timer_stop(loop, &timer);
  remaining("stopped", &timer);
  timer.repeat = 1e30;
  ev_timer_again(loop, &timer);
  remaining("again with repeat 1e30", &timer);
  ev_timer_stop(loop, &timer);

  printf("started again while pending\n");
  ev_timer_init(&pending_timer, on_pending_timer, 0., 0.);
  pending_timer.data = "pending-timer";
  ev_feed_event(loop, &pending_timer, EV_TIMER);
  ev_timer_start(loop, &pending_timer);
  show_state(&pending_timer);
  ev_timer_start(loop, &pending_timer);
  show_state(&pending_timer);
  ev_run(loop, EVRUN_NOWAIT);
  show_state(&pending_timer);
  ev_run(loop, EVRUN_NOWAIT);
  show_state(&pending_timer);

  printf("ev_sleep and the clocks\n");
  ev_tstamp before = ev_time();
  ev_sleep(0.);
  ev_sleep(-1.);
  ev_sleep(-1e30);
  printf("  zero and negative sleeps returned at once: %d\n", ev_time() - before < 0.1);
  ev_tstamp now = ev_now(loop);
  printf("  ev_now <= ev_time: %d\n", now <= ev_time());
  ev_sleep(0.01);
  printf("  ev_now unchanged by sleeping: %d\n", ev_now(loop) == now);
  ev_now_update(loop);
  printf("  ev_now_update moved it forward: %d\n", ev_now(loop) > now);
  return 0;
}
