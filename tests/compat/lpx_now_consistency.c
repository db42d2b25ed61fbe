/* ev_now / ev_now_update / ev_time: coarse facts only. ev_now stays frozen during a callback
 * that sleeps, moves after ev_now_update, a timer started after ev_now_update in a slow
 * callback fires relative to the updated time, and ev_now never runs ahead of ev_time. */
#include "compat.h"

static ev_timer first, late_a, late_b;
static ev_tstamp started_at;

static void on_late(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)revents;
  printf("%s fired, %s; elapsed since start >= 0.25: %d\n", label_of(w),
         ev_now(loop) <= ev_time() + 1e-3 ? "now <= time" : "now > time",
         ev_now(loop) - started_at >= 0.25);
}

static void on_first(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_tstamp before = ev_now(loop);
  ev_sleep(0.2);
  printf("  ev_now frozen during callback: %d\n", ev_now(loop) == before);
  ev_timer_start(loop, &late_a); /* relative to the stale now: due ~0.1 after the sleep start */
  ev_now_update(loop);
  printf("  ev_now moved by ev_now_update >= 0.19: %d\n", ev_now(loop) - before >= 0.19);
  ev_timer_start(loop, &late_b); /* relative to the updated now */
  printf("  late-a remaining <= 0: %d, late-b remaining > 0.2: %d\n",
         ev_timer_remaining(loop, &late_a) <= 0., ev_timer_remaining(loop, &late_b) > 0.2);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  started_at = ev_now(loop);
  printf("ev_now <= ev_time at start: %d\n", ev_now(loop) <= ev_time() + 1e-3);
  ev_timer_init(&first, on_first, 0.05, 0.);
  first.data = "first";
  ev_timer_init(&late_a, on_late, 0.1, 0.);
  late_a.data = "late-a";
  ev_timer_init(&late_b, on_late, 0.3, 0.);
  late_b.data = "late-b";
  ev_timer_start(loop, &first);
  ev_run(loop, 0);
  printf("iterations: %u\n", ev_iteration(loop));
  ev_loop_destroy(loop);
  return 0;
}
