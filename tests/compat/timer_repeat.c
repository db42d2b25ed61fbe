/* Repeating timers: reschedule by the repeat interval, stop when told, and pick up a changed
 * repeat value only at the following expiry. Expiry times are at least 5 ms apart, so the
 * interleaving is fixed unless the machine stalls for longer than that. */
#include "compat.h"

static ev_timer fast, one_shot, shrinking;
static int fast_count, shrinking_count;

static void on_fast(struct ev_loop *loop, ev_timer *w, int revents) {
  trace_untimed(w, revents);
  if (++fast_count == 3) ev_timer_stop(loop, w);
  printf("  count %d, repeat %.2f\n", fast_count, w->repeat);
  show_state(w);
}

static void on_one_shot(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
  show_state(w);
}

/* Clearing repeat inside the callback: the timer was already rescheduled with the old value. */
static void on_shrinking(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  trace_untimed(w, revents);
  ++shrinking_count;
  show_state(w);
  w->repeat = 0.;
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  /* Expected expiries in ms: fast 10 60 110, shrinking 25 65, one-shot 30. */
  ev_timer_init(&fast, on_fast, 0.010, 0.050);
  ev_timer_init(&one_shot, on_one_shot, 0.030, 0.);
  ev_timer_init(&shrinking, on_shrinking, 0.025, 0.040);
  fast.data = "fast";
  one_shot.data = "one-shot";
  shrinking.data = "shrinking";
  ev_timer_start(loop, &fast);
  ev_timer_start(loop, &one_shot);
  ev_timer_start(loop, &shrinking);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("fast fired %d times, shrinking %d times\n", fast_count, shrinking_count);
  show_state(&fast);
  show_state(&shrinking);
  return 0;
}
