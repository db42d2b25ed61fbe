/* Timers started, stopped and restarted from inside callbacks. Each scenario runs the loop until
 * it has no active watchers, so one scenario's timing can never interleave with the next. */
#include "compat.h"

static ev_timer starter, started, earlier, later, self_restarting, handing_over, successor;
static int restarts;

static void on_trace_and_state(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(w);
}

static void on_starter(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_timer_start(loop, &started);
  printf("  started a zero timeout timer\n");
  show_state(&started);
}

static void on_earlier(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  show_state(&later);
  ev_timer_stop(loop, &later);
  printf("  stopped the pending later timer\n");
  show_state(&later);
}

/* A timer must be stopped before ev_timer_set may change it. */
static void on_self_restarting(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  if (++restarts > 3) return;
  ev_timer_stop(loop, w);
  ev_timer_set(w, 0.005 * restarts, 0.);
  ev_timer_start(loop, w);
  printf("  restart %d\n", restarts);
}

static void on_handing_over(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ev_timer_stop(loop, w);
  ev_timer_start(loop, &successor);
  printf("  stopped itself, started a negative timeout successor\n");
  show_state(w);
}

static void run_scenario(struct ev_loop *loop, const char *name) {
  printf("%s\n", name);
  int result = ev_run(loop, 0);
  printf("  run returned %d at iteration %u\n", result, ev_iteration(loop));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);

  ev_timer_init(&starter, on_starter, 0.01, 0.);
  ev_timer_init(&started, on_trace_and_state, 0., 0.);
  starter.data = "starter";
  started.data = "started";
  ev_timer_start(loop, &starter);
  run_scenario(loop, "start from a callback");

  ev_timer_init(&earlier, on_earlier, -0.2, 0.);
  ev_timer_init(&later, on_trace_and_state, -0.1, 0.);
  earlier.data = "earlier";
  later.data = "later";
  ev_timer_start(loop, &later);
  ev_timer_start(loop, &earlier);
  run_scenario(loop, "stop a pending timer from another one");

  ev_timer_init(&self_restarting, on_self_restarting, 0.01, 0.);
  self_restarting.data = "self-restarting";
  ev_timer_start(loop, &self_restarting);
  run_scenario(loop, "restart itself with ev_timer_set");

  ev_timer_init(&handing_over, on_handing_over, 0.01, 0.5);
  ev_timer_init(&successor, on_trace_and_state, -1., 0.);
  handing_over.data = "handing-over";
  successor.data = "successor";
  ev_timer_start(loop, &handing_over);
  run_scenario(loop, "repeating timer stops itself and starts another");
  return 0;
}
