/* ev_timer_again in all four states (active or not, repeat zero or not) and on a pending timer,
 * ev_timer_remaining before, during and after activity, and the watchdog pattern of re-arming
 * one timer from another. Remaining times are rounded to 0.1 s and kept far from rounding
 * boundaries, so only a stall of more than 50 ms could change the output. */
#include "compat.h"

static ev_timer subject, clearer, watchdog, kicker;
static int kicks;

static void show(struct ev_loop *loop, const char *step) {
  printf("%-34s active=%d pending=%d remaining=%.1f repeat=%.1f\n", step, !!ev_is_active(&subject),
         !!ev_is_pending(&subject), ev_timer_remaining(loop, &subject), subject.repeat);
}

static void on_subject(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
}

/* Expires just before the subject, so the subject is pending when this runs. */
static void on_clearer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show(loop, "  subject before again");
  ev_timer_again(loop, &subject);
  show(loop, "  subject after again");
}

static void on_kicker(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_timer_again(loop, &watchdog);
  printf("  kick %d, watchdog remaining %.1f\n", ++kicks, ev_timer_remaining(loop, &watchdog));
  if (kicks == 3) ev_timer_stop(loop, w);
}

static void on_watchdog(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  printf("  fired after %d kicks, remaining %.1f\n", kicks, ev_timer_remaining(loop, w));
  show_state(w);
  ev_timer_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_timer_init(&subject, on_subject, 5., 0.);
  subject.data = "subject";
  show(loop, "initialised 5/0, never started");
  ev_timer_again(loop, &subject);
  show(loop, "again while inactive, repeat 0");
  subject.repeat = 2.;
  ev_timer_again(loop, &subject);
  show(loop, "again while inactive, repeat 2");
  subject.repeat = 3.;
  ev_timer_again(loop, &subject);
  show(loop, "again while active, repeat 3");
  subject.repeat = 0.;
  ev_timer_again(loop, &subject);
  show(loop, "again while active, repeat 0");
  ev_timer_set(&subject, 4., 1.);
  ev_timer_start(loop, &subject);
  show(loop, "set 4/1 and started");
  ev_timer_stop(loop, &subject);
  show(loop, "stopped");
  ev_timer_start(loop, &subject);
  show(loop, "started again after stop");
  ev_timer_stop(loop, &subject);

  printf("again on a pending timer\n");
  ev_timer_set(&subject, -1., 3.);
  ev_timer_init(&clearer, on_clearer, -2., 0.);
  clearer.data = "clearer";
  ev_timer_start(loop, &subject);
  ev_timer_start(loop, &clearer);
  ev_run(loop, EVRUN_NOWAIT);
  show(loop, "subject after the iteration");
  ev_timer_stop(loop, &subject);

  printf("watchdog\n");
  ev_timer_init(&watchdog, on_watchdog, 0., 0.3);
  watchdog.data = "watchdog";
  ev_timer_again(loop, &watchdog);
  ev_timer_init(&kicker, on_kicker, 0.1, 0.1);
  kicker.data = "kicker";
  ev_timer_start(loop, &kicker);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
