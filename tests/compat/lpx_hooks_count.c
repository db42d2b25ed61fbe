/* ev_set_loop_release_cb and ev_set_invoke_pending_cb counting their calls around each kind of
 * ev_run: no watchers, NOWAIT, ONCE with an idle, a zero timer, a 60 ms timer, a nested run. */
#include "compat.h"

static int releases, acquires, invokes;
static int depth_at_release_max;

static void on_release(struct ev_loop *loop) {
  ++releases;
  if ((int)ev_depth(loop) > depth_at_release_max) depth_at_release_max = ev_depth(loop);
  if (releases != acquires + 1) printf("  release without acquire!\n");
}
static void on_acquire(struct ev_loop *loop) {
  (void)loop;
  ++acquires;
}
static void on_invoke(struct ev_loop *loop) {
  ++invokes;
  ev_invoke_pending(loop);
}

static void report(struct ev_loop *loop, const char *what, int r, unsigned before) {
  printf("%-34s ret %d iters +%u releases %d acquires %d invokes %d depth-max %d\n", what, r,
         ev_iteration(loop) - before, releases, acquires, invokes, depth_at_release_max);
  releases = acquires = invokes = depth_at_release_max = 0;
}

#define RUN(what, flags)                   \
  do {                                     \
    unsigned before_ = ev_iteration(loop); \
    int r_ = ev_run(loop, flags);          \
    report(loop, what, r_, before_);       \
  } while (0)

static void on_nest(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_idle *idle = (ev_idle *)((ev_watcher *)w + 0)->data;
  (void)idle;
  printf("  nested NOWAIT returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  printf("  nested ONCE returned %d\n", ev_run(loop, EVRUN_ONCE));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_loop_new(0);
  require(loop != NULL, "ev_loop_new");
  ev_set_loop_release_cb(loop, on_release, on_acquire);
  ev_set_invoke_pending_cb(loop, on_invoke);

  RUN("no watchers, 0", 0);
  RUN("no watchers, NOWAIT", EVRUN_NOWAIT);
  RUN("no watchers, ONCE", EVRUN_ONCE);

  ev_idle idle;
  ev_idle_init(&idle, TRACE_CB(ev_idle));
  idle.data = "idle";
  ev_idle_start(loop, &idle);
  RUN("idle, ONCE", EVRUN_ONCE);
  RUN("idle, NOWAIT", EVRUN_NOWAIT);
  ev_idle_stop(loop, &idle);

  ev_timer t;
  ev_timer_init(&t, TRACE_CB(ev_timer), 0., 0.);
  t.data = "zero-timer";
  ev_timer_start(loop, &t);
  RUN("zero timer, 0", 0);
  ev_timer_set(&t, 0.06, 0.);
  ev_timer_start(loop, &t);
  RUN("60 ms timer, 0", 0);

  ev_prepare p;
  ev_prepare_init(&p, TRACE_CB(ev_prepare));
  p.data = "prepare";
  ev_prepare_start(loop, &p);
  ev_timer_set(&t, 0., 0.);
  ev_timer_start(loop, &t);
  RUN("zero timer + prepare, ONCE", EVRUN_ONCE);
  ev_prepare_stop(loop, &p);

  ev_timer n;
  ev_timer_init(&n, on_nest, 0., 0.);
  n.data = "nesting-timer";
  ev_timer_start(loop, &n);
  ev_idle_start(loop, &idle);
  ev_feed_event(loop, &idle, EV_CUSTOM);
  RUN("fed idle + nesting timer, ONCE", EVRUN_ONCE);
  ev_idle_stop(loop, &idle);
  RUN("after, 0", 0);
  ev_loop_destroy(loop);
  return 0;
}
