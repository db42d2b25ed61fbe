/* The ev_timer examples and notes of the manual, scaled down: a one-shot timer is already
 * stopped inside its callback; ev_timer_remaining returns the configured after value while
 * inactive, stays put while ev_now does not move (a blocking sleep outside the loop) and drops
 * once ev_now_update is called, and is about the repeat value right after a repeating timer
 * was restarted; "The special problem of time updates": inside a callback that ran for 60 ms,
 * a plain 30 ms timer is already due, one corrected by ev_time () - ev_now () is not, nor is
 * one started after ev_now_update. Remaining times are rounded to 0.1 s (and kept at least
 * 40 ms from a rounding boundary); the three timers are 10 to 30 ms apart. */
#include "compat.h"

static ev_timer mytimer, subject, plain, corrected, updated;

/* The three timers of the time-update case are 10 to 30 ms apart: traced without iteration. */
static void untimed_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
}

static void one_minute_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  one minute over, w is actually stopped right here\n");
  show_state(w);
}

static void repeating_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  restarted, remaining %.1f (repeat %.1f)\n", ev_timer_remaining(loop, w), w->repeat);
  ev_timer_stop(loop, w);
}

static void long_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_tstamp before = ev_now(loop);
  usleep(60 * 1000);
  printf("  after 60 ms of work: ev_now unchanged %d, ev_time ahead by 50 ms or more %d\n",
         ev_now(loop) == before, ev_time() - ev_now(loop) >= 0.05);
  ev_timer_set(&plain, 0.03, 0.);
  ev_timer_start(loop, &plain);
  ev_timer_set(&corrected, 0.03 + (ev_time() - ev_now(loop)), 0.);
  ev_timer_start(loop, &corrected);
  ev_now_update(loop);
  printf("  after ev_now_update: ev_now advanced by 50 ms or more %d, plain timer overdue %d\n",
         ev_now(loop) - before >= 0.05, ev_timer_remaining(loop, &plain) < 0.);
  ev_timer_set(&updated, 0.01, 0.);
  ev_timer_start(loop, &updated);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("one-shot timer\n");
  ev_timer_init(&mytimer, one_minute_cb, 0.02, 0.);
  mytimer.data = "mytimer";
  ev_timer_start(loop, &mytimer);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("ev_timer_remaining\n");
  ev_init(&subject, repeating_cb);
  subject.data = "subject";
  ev_timer_set(&subject, 0.5, 0.7);
  printf("  after ev_timer_set (w, 0.5, 0.7): %.1f\n", ev_timer_remaining(loop, &subject));
  ev_timer_start(loop, &subject);
  printf("  started: %.1f\n", ev_timer_remaining(loop, &subject));
  usleep(200 * 1000);
  printf("  200 ms later, ev_now not updated: %.1f\n", ev_timer_remaining(loop, &subject));
  ev_now_update(loop);
  printf("  after ev_now_update: %.1f\n", ev_timer_remaining(loop, &subject));
  ev_timer_stop(loop, &subject);
  ev_timer_set(&subject, 0.02, 0.7);
  ev_timer_start(loop, &subject);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("the special problem of time updates\n");
  ev_timer work;
  ev_timer_init(&work, long_cb, 0., 0.);
  work.data = "work";
  ev_init(&plain, untimed_cb);
  plain.data = "plain-30ms";
  ev_init(&corrected, untimed_cb);
  corrected.data = "corrected-30ms";
  ev_init(&updated, untimed_cb);
  updated.data = "after-update-10ms";
  ev_timer_start(loop, &work);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
