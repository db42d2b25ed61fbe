/* "Be smart about timeouts", method 3: the timer is left alone on activity, which only records
 * ev_now in last_activity; the callback computes when the timeout would really happen and either
 * times out or re-arms itself for exactly that moment. The machinery is started by calling the
 * callback by hand with revents 0, and a shorter timeout is applied by stopping the timer and
 * calling the callback again, which then times out at once. Activity comes every 20 ms, five
 * times, against a 50 ms timeout, so the timeout comes 50 ms after the last activity. How
 * often the callback re-arms depends on timing, so only a lower bound is printed. */
#include "compat.h"

static ev_tstamp timeout = 0.05;
static ev_tstamp last_activity;
static ev_timer timer, activity;
static int activities, checks, timeouts;

static void callback(struct ev_loop *loop, ev_timer *w, int revents) {
  ++checks;
  /* calculate when the timeout would happen */
  ev_tstamp after = last_activity - ev_now(loop) + timeout;
  if (after < 0.) {
    printf("%s %s: timed out after %d activities, checked at least 4 times: %d\n", label_of(w),
           revents_text(revents), activities, checks >= 4);
    ++timeouts;
  } else {
    /* there was recent activity: re-arm for the earliest moment the timeout can happen */
    ev_timer_set(w, after, 0.);
    ev_timer_start(loop, w);
  }
}

static void activity_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  last_activity = ev_now(loop);
  if (++activities == 5) ev_timer_stop(loop, w);
}

/* Shortens the timeout below the time that already passed since the last activity. */
static void shorten_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  timeout = 0.01;
  ev_timer_stop(loop, &timer);
  callback(loop, &timer, 0);
  show_state(&timer);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("activity every 20 ms, five times\n");
  last_activity = ev_now(loop);
  ev_init(&timer, callback);
  timer.data = "timer";
  callback(loop, &timer, 0);
  show_state(&timer);
  ev_timer_init(&activity, activity_cb, 0.02, 0.02);
  activity.data = "activity";
  ev_timer_start(loop, &activity);
  int result = ev_run(loop, 0);
  printf("run returned %d, timeouts %d\n", result, timeouts);

  printf("timeout shortened to 10 ms, 20 ms after the last activity\n");
  timeout = 0.05;
  activities = checks = 0;
  last_activity = ev_now(loop);
  callback(loop, &timer, 0);
  ev_timer shorten;
  ev_timer_init(&shorten, shorten_cb, 0.02, 0.);
  shorten.data = "shorten";
  ev_timer_start(loop, &shorten);
  result = ev_run(loop, 0);
  printf("run returned %d, timeouts %d\n", result, timeouts);
  return 0;
}
