/* Loop-level API: version, ev_backend (as chosen through LIBEV_FLAGS or explicit flags), the
 * default loop versus ev_loop_new, creating and destroying loops repeatedly, userdata, and a
 * custom invoke_pending callback (which shows exactly when libev invokes pending watchers). */
#include "compat.h"

struct counters {
  int timer_calls;
  int invoke_calls;
};

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  struct counters *counters = ev_userdata(loop);
  if (counters) ++counters->timer_calls;
}

static void counting_invoke(struct ev_loop *loop) {
  struct counters *counters = ev_userdata(loop);
  printf("  invoke_pending #%d: pending %u, iteration %u, depth %u\n", ++counters->invoke_calls,
         ev_pending_count(loop), ev_iteration(loop), ev_depth(loop));
  ev_invoke_pending(loop);
}

/* A zero timer so that each loop has exactly one callback to run. */
static void run_one_timer(struct ev_loop *loop, const char *label) {
  ev_timer timer;
  ev_timer_init(&timer, on_timer, 0., 0.);
  timer.data = (void *)label;
  ev_timer_start(loop, &timer);
  int result = ev_run(loop, 0);
  printf("  run returned %d, iterations %u\n", result, ev_iteration(loop));
}

static void explicit_backend(const char *name, unsigned flags) {
  struct ev_loop *loop = ev_loop_new(flags | EVFLAG_NOENV);
  if (!loop) {
    printf("%s with EVFLAG_NOENV: no loop\n", name);
    return;
  }
  printf("%s with EVFLAG_NOENV: backend %u\n", name, ev_backend(loop));
  run_one_timer(loop, name);
  ev_loop_destroy(loop);
}

int main(void) {
  compat_begin();
  printf("version %d.%d\n", ev_version_major(), ev_version_minor());
  printf("header version %d.%d\n", EV_VERSION_MAJOR, EV_VERSION_MINOR);

  struct ev_loop *default_loop = EV_DEFAULT;
  printf("default loop: backend %u, is default %d, same pointer again %d\n",
         ev_backend(default_loop), ev_is_default_loop(default_loop),
         ev_default_loop(0) == default_loop);
  printf("default userdata is null: %d\n", ev_userdata(default_loop) == NULL);
  run_one_timer(default_loop, "default-loop-timer");

  for (int i = 1; i <= 5; ++i) {
    struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
    require(loop != NULL, "ev_loop_new");
    printf("new loop %d: backend %u, is default %d, iteration %u\n", i, ev_backend(loop),
           ev_is_default_loop(loop), ev_iteration(loop));
    struct counters counters = {0, 0};
    ev_set_userdata(loop, &counters);
    run_one_timer(loop, "new-loop-timer");
    printf("  timer calls counted through userdata: %d\n", counters.timer_calls);
    ev_loop_destroy(loop);
  }

  explicit_backend("select", EVBACKEND_SELECT);
  explicit_backend("poll", EVBACKEND_POLL);
  explicit_backend("epoll", EVBACKEND_EPOLL);
  explicit_backend("linuxaio", EVBACKEND_LINUXAIO);

  printf("custom invoke_pending callback\n");
  struct ev_loop *loop = ev_loop_new(EVFLAG_AUTO);
  require(loop != NULL, "ev_loop_new");
  struct counters counters = {0, 0};
  ev_set_userdata(loop, &counters);
  ev_set_invoke_pending_cb(loop, counting_invoke);
  run_one_timer(loop, "custom-invoke-timer");
  ev_run(loop, EVRUN_NOWAIT);
  printf("  invoke_pending called %d times, timer %d times\n", counters.invoke_calls,
         counters.timer_calls);
  ev_loop_destroy(loop);

  printf("default loop still works: backend %u\n", ev_backend(default_loop));
  run_one_timer(default_loop, "default-loop-timer");
  return 0;
}
