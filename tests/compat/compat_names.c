/* The libev 3 names that libev 4.33's ev.h still provides by default (EV_COMPAT3): ev_loop,
 * ev_unloop, EVLOOP_* and EVUNLOOP_* flags, ev_loop_count, ev_loop_depth, ev_loop_verify,
 * ev_default_fork and ev_default_destroy. */
#include "compat.h"

static ev_idle ticker;
static int ticks;

static void on_ticker(struct ev_loop *loop, ev_idle *w, int revents) {
  trace(loop, w, revents);
  printf("  ev_loop_count %u ev_loop_depth %u\n", ev_loop_count(loop), ev_loop_depth(loop));
  if (++ticks == 2) ev_unloop(loop, EVUNLOOP_ONE);
  if (ticks == 4) {
    ev_unloop(loop, EVUNLOOP_ALL);
    ev_unloop(loop, EVUNLOOP_CANCEL);
  }
  if (ticks == 5) ev_unloop(loop, EVUNLOOP_ALL);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  printf("flags: NONBLOCK %d ONESHOT %d, unloop: CANCEL %d ONE %d ALL %d\n", EVLOOP_NONBLOCK,
         EVLOOP_ONESHOT, EVUNLOOP_CANCEL, EVUNLOOP_ONE, EVUNLOOP_ALL);
  ev_idle_init(&ticker, on_ticker);
  ticker.data = "ticker";
  ev_idle_start(loop, &ticker);

  printf("ev_loop NONBLOCK\n");
  ev_loop(loop, EVLOOP_NONBLOCK);
  printf("ev_loop 0 until ev_unloop ONE\n");
  ev_loop(loop, 0);
  printf("ev_loop ONESHOT\n");
  ev_loop(loop, EVLOOP_ONESHOT);
  printf("ev_loop 0 with a cancelled unloop, then ev_unloop ALL\n");
  ev_loop(loop, 0);
  ev_loop_verify(loop);
  printf("ev_loop_count after all runs %u\n", ev_loop_count(loop));

  ev_idle_stop(loop, &ticker);
  ev_default_destroy();
  struct ev_loop *again = ev_default_loop(0);
  printf("default loop recreated: ev_loop_count %u backend %u\n", ev_loop_count(again),
         ev_backend(again));
  ev_timer timer;
  ev_timer_init(&timer, TRACE_CB(ev_timer), 0., 0.);
  timer.data = "timer-on-recreated-default";
  ev_timer_start(again, &timer);
  ev_loop(again, 0);

  /* Last, because libev's io_uring backend hangs in a later blocking run after a fork. */
  ev_default_fork();
  printf("ev_default_fork, then ev_loop NONBLOCK\n");
  ev_loop(again, EVLOOP_NONBLOCK);
  printf("ev_loop_count %u\n", ev_loop_count(again));
  ev_default_destroy();
  return 0;
}
