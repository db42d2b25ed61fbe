/* 1000 one-shot timers with distinct pseudo-random timeouts (up to 0.1 s) must fire in order of
 * expiry, however many of them expire within the same iteration. */
#include "compat.h"

enum { TIMERS = 1000 };
static ev_timer timers[TIMERS];
static int fired;

static double timeout_of(int index) {
  /* 7919 is prime, so this is a permutation of 0..999 tenths of a millisecond. */
  return (double)((index * 7919) % TIMERS) * 1e-4;
}

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  ++fired;
  print_column((int)(w - timers));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  for (int i = 0; i < TIMERS; ++i) {
    ev_timer_init(&timers[i], on_timer, timeout_of(i), 0.);
    ev_timer_start(loop, &timers[i]);
  }
  int result = ev_run(loop, 0);
  end_columns();
  printf("run returned %d\n", result);
  printf("fired %d timers\n", fired);
  return 0;
}
