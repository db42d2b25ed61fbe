/* The ev_cleanup example: an atexit handler destroys the default loop, so its cleanup watchers
 * run when the program exits. Cleanup watchers hold no reference (ev_run returns at once with
 * only them active), run only from ev_loop_destroy, and may call other libev functions there:
 * here one stops a still-active timer and the other a still-pending idle watcher. A loop of
 * ev_loop_new gets the same treatment with an explicit ev_loop_destroy. */
#include "compat.h"

static ev_timer long_timer;
static ev_idle idle;

static void program_exits(void) {
  printf("atexit handler: destroying the default loop\n");
  ev_loop_destroy(EV_DEFAULT_UC);
  printf("atexit handler: done\n");
}

static void cleanup_cb(struct ev_loop *loop, ev_cleanup *w, int revents) {
  trace(loop, w, revents);
  if (ev_is_active(&long_timer)) {
    ev_timer_stop(loop, &long_timer);
    printf("  stopped the long timer\n");
  }
  if (ev_is_active(&idle) || ev_is_pending(&idle)) {
    ev_idle_stop(loop, &idle);
    printf("  stopped the idle watcher\n");
  }
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;
  atexit(program_exits);

  static ev_cleanup first, second;
  ev_cleanup_init(&first, cleanup_cb);
  first.data = "cleanup-first";
  ev_cleanup_start(loop, &first);
  ev_cleanup_init(&second, cleanup_cb);
  second.data = "cleanup-second";
  ev_cleanup_start(loop, &second);
  int result = ev_run(loop, 0);
  printf("only cleanup watchers: run returned %d, iteration %u\n", result, ev_iteration(loop));

  printf("a loop of its own\n");
  struct ev_loop *own = ev_loop_new(0);
  require(own != NULL, "ev_loop_new");
  ev_cleanup mine;
  ev_cleanup_init(&mine, cleanup_cb);
  mine.data = "cleanup-own-loop";
  ev_cleanup_start(own, &mine);
  ev_timer_init(&long_timer, TRACE_CB(ev_timer), 100., 0.);
  long_timer.data = "long_timer";
  ev_timer_start(own, &long_timer);
  ev_loop_destroy(own);
  printf("  destroyed, timer active %d\n", !!ev_is_active(&long_timer));

  printf("default loop, left to atexit\n");
  ev_timer_start(loop, &long_timer);
  ev_idle_init(&idle, TRACE_CB(ev_idle));
  idle.data = "idle";
  ev_feed_event(loop, &idle, EV_IDLE);
  printf("  idle pending %d, timer active %d\n", !!ev_is_pending(&idle),
         !!ev_is_active(&long_timer));
  printf("returning from main\n");
  return 0;
}
