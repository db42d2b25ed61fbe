/* Stopping a watcher that is already pending: its callback must not run, its pending flag must
 * clear, and restarting it does not make it pending again within the same iteration. */
#include "compat.h"

static ev_io high, low, sibling_a, sibling_b;
static int restart_low;

static void on_high(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  show_state(&low);
  ev_io_stop(loop, &low);
  printf("  stopped low\n");
  show_state(&low);
  if (restart_low) {
    ev_io_start(loop, &low);
    printf("  restarted low\n");
    show_state(&low);
  }
  ev_io_stop(loop, w);
}

static void on_low(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io_stop(loop, w);
}

/* Both siblings watch one fd at one priority: whichever runs first stops the other. */
static void on_sibling(struct ev_loop *loop, ev_io *w, int revents) {
  trace(loop, w, revents);
  ev_io *other = w == &sibling_a ? &sibling_b : &sibling_a;
  show_state(other);
  ev_io_stop(loop, other);
  show_state(other);
  ev_io_stop(loop, w);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  int first[2], second[2];
  require(pipe(first) == 0 && pipe(second) == 0, "pipe");
  require(write(first[1], "1", 1) == 1 && write(second[1], "2", 1) == 1, "write");

  ev_io_init(&high, on_high, first[0], EV_READ);
  ev_io_init(&low, on_low, second[0], EV_READ);
  high.data = "high";
  low.data = "low";
  ev_set_priority(&high, 1);

  for (restart_low = 0; restart_low <= 1; ++restart_low) {
    printf("scenario restart_low=%d\n", restart_low);
    ev_io_start(loop, &high);
    ev_io_start(loop, &low);
    int result = ev_run(loop, 0);
    printf("run returned %d at iteration %u\n", result, ev_iteration(loop));
  }

  printf("siblings on one fd\n");
  ev_io_init(&sibling_a, on_sibling, first[0], EV_READ);
  ev_io_init(&sibling_b, on_sibling, first[0], EV_READ);
  sibling_a.data = "sibling-a";
  sibling_b.data = "sibling-b";
  ev_io_start(loop, &sibling_a);
  ev_io_start(loop, &sibling_b);
  printf("run returned %d\n", ev_run(loop, 0));
  return 0;
}
