/* "Be smart about timeouts", methods 1 and 2, and the ev_timer inactivity example: a 50 ms
 * inactivity timeout that activity every 20 ms keeps pushing back, until the activity stops
 * after five rounds. Method 1 stops, re-sets and restarts the timer on each activity; method 2
 * only sets repeat and calls ev_timer_again, changes the timeout on the fly (30 ms from the
 * third activity on), and restarts an inactive timer with a new repeat value. Remaining times
 * are printed right after ev_timer_again, where they equal the repeat value exactly. Timer
 * expiries are at least 20 ms apart and traced without iteration numbers. */
#include "compat.h"

static ev_timer timer, activity;
static int method, activities;

static void timeout_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  printf("  timed out after %d activities\n", activities);
  show_state(w);
  ev_timer_stop(loop, w);
}

static void activity_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  ++activities;
  if (method == 1) {
    ev_timer_stop(loop, &timer);
    ev_timer_set(&timer, 0.05, 0.);
    ev_timer_start(loop, &timer);
  } else {
    if (activities == 3) {
      timer.repeat = 0.03;
      printf("  timeout changed on the fly\n");
    }
    ev_timer_again(loop, &timer);
    printf("  remaining %.3f\n", ev_timer_remaining(loop, &timer));
  }
  if (activities == 5) ev_timer_stop(loop, w);
}

static void start_activity(struct ev_loop *loop) {
  activities = 0;
  ev_timer_init(&activity, activity_cb, 0.02, 0.02);
  activity.data = "activity";
  ev_timer_start(loop, &activity);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("method 1: stop, set and start on activity\n");
  method = 1;
  ev_timer_init(&timer, timeout_cb, 0.05, 0.);
  timer.data = "timeout";
  ev_timer_start(loop, &timer);
  start_activity(loop);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("method 2: ev_timer_again with repeat only\n");
  method = 2;
  ev_init(&timer, timeout_cb);
  timer.data = "timeout";
  timer.repeat = 0.05;
  ev_timer_again(loop, &timer);
  printf("  started: active=%d remaining %.3f\n", !!ev_is_active(&timer),
         ev_timer_remaining(loop, &timer));
  start_activity(loop);
  printf("run returned %d\n", ev_run(loop, 0));

  printf("method 2: new timeout while inactive\n");
  timer.repeat = 0.02;
  ev_timer_again(loop, &timer);
  printf("  active=%d remaining %.3f\n", !!ev_is_active(&timer), ev_timer_remaining(loop, &timer));
  printf("run returned %d\n", ev_run(loop, 0));

  printf("manual example: ev_timer_init (&mytimer, timeout_cb, 0., 10.), scaled to 40 ms\n");
  ev_timer_init(&timer, timeout_cb, 0., 0.04);
  timer.data = "mytimer";
  ev_timer_again(loop, &timer);
  start_activity(loop);
  method = 2;
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
