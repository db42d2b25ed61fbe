/* A custom invoke_pending callback that defers the callbacks (as the thread hand-off pattern of
 * ev_set_invoke_pending_cb does) leaves watchers pending while the loop goes on. libev still
 * blocks in the next poll for as long as its timers say; the pending watchers are only run when
 * the program calls ev_invoke_pending itself. Shows what is pending after each EVRUN_ONCE. */
#include "compat.h"

static ev_timer soon, later;
static int defer_calls;

static void deferring_invoke(struct ev_loop *loop) {
  printf("  invoke_pending callback #%d: pending %u\n", ++defer_calls, ev_pending_count(loop));
}

static void show(struct ev_loop *loop, const char *when) {
  printf("%s: pending count %u\n", when, ev_pending_count(loop));
  show_state(&soon);
  show_state(&later);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  ev_timer_init(&soon, TRACE_CB(ev_timer), 0., 0.);
  ev_timer_init(&later, TRACE_CB(ev_timer), 0.2, 0.);
  soon.data = "soon";
  later.data = "later";
  ev_timer_start(loop, &soon);
  ev_timer_start(loop, &later);
  ev_set_invoke_pending_cb(loop, deferring_invoke);

  printf("first run returned %d\n", ev_run(loop, EVRUN_ONCE));
  show(loop, "after the first run");
  printf("second run returned %d\n", ev_run(loop, EVRUN_ONCE));
  show(loop, "after the second run");

  printf("invoking by hand\n");
  ev_invoke_pending(loop);
  show(loop, "after ev_invoke_pending");
  ev_set_invoke_pending_cb(loop, ev_invoke_pending);
  printf("final run returned %d\n", ev_run(loop, 0));
  ev_loop_destroy(loop);
  return 0;
}
