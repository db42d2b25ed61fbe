/* Timers with equal expiry times, all started in one go: the order among equal expiries is
 * whatever libev's timer heap yields, and programs do depend on it. */
#include "compat.h"

enum { MANY = 1000, FEW = 16 };
static ev_timer timers[MANY];
static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  (void)loop;
  (void)revents;
  print_column((int)(w - timers));
}

/* Starts count timers, timers[i] getting timeout_ms(i) milliseconds, and prints firing order. */
static void run_batch(struct ev_loop *loop, const char *name, int count, int (*timeout_ms)(int)) {
  printf("%s\n", name);
  for (int i = 0; i < count; ++i) {
    ev_timer_init(&timers[i], on_timer, timeout_ms(i) * 1e-3, 0.);
    ev_timer_start(loop, &timers[i]);
  }
  ev_run(loop, 0);
  end_columns();
}

static int all_equal(int index) {
  (void)index;
  return 10;
}

/* Two groups of equal timeouts, the group started later expiring first. */
static int two_groups(int index) {
  return index < FEW / 2 ? 12 : 8;
}

static int eight_values(int index) {
  unsigned state = 12345u + (unsigned)index * 2654435761u;
  state ^= state >> 13;
  state *= 1103515245u;
  return (int)((state >> 16) % 8);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  run_batch(loop, "16 timers, all 10 ms", FEW, all_equal);
  run_batch(loop, "16 timers, two groups", FEW, two_groups);
  run_batch(loop, "1000 timers, 8 distinct timeouts of 0-7 ms", MANY, eight_values);
  printf("done\n");
  return 0;
}
