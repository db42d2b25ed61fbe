/* ev_unref right after starting a signal and an async watcher (the "does not keep the loop
 * alive" idiom): ev_run returns at once, yet the watchers still fire while something else keeps
 * the loop running, and when ev_async_send/raise happened before an ev_run(NOWAIT/ONCE). */
#include <signal.h>

#include "compat.h"

static ev_signal sig;
static ev_async as;
static ev_timer tick;
static int ticks;

static void on_tick(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  ++ticks;
  if (ticks == 1) {
    printf("  sending async\n");
    ev_async_send(loop, &as);
  } else if (ticks == 2) {
    printf("  raising SIGUSR2\n");
    raise(SIGUSR2);
  } else {
    ev_timer_stop(loop, w);
  }
}

static void run(struct ev_loop *loop, const char *what, int flags) {
  unsigned before = ev_iteration(loop);
  int r = ev_run(loop, flags);
  printf("%s: returned %d, iterations +%u, async pending %d\n", what, r,
         ev_iteration(loop) - before, ev_async_pending(&as));
  show_state(&sig);
  show_state(&as);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_signal_init(&sig, TRACE_CB(ev_signal), SIGUSR2);
  sig.data = "sigusr2";
  ev_async_init(&as, TRACE_CB(ev_async));
  as.data = "async";
  ev_signal_start(loop, &sig);
  ev_unref(loop);
  ev_async_start(loop, &as);
  ev_unref(loop);
  run(loop, "run 0 with both unreferenced", 0);
  run(loop, "run ONCE with both unreferenced", EVRUN_ONCE);

  ev_async_send(loop, &as);
  printf("async sent before run: async pending %d\n", ev_async_pending(&as));
  run(loop, "run 0 after async_send", 0);
  run(loop, "run NOWAIT after that", EVRUN_NOWAIT);

  raise(SIGUSR2);
  printf("raised SIGUSR2 before run\n");
  run(loop, "run 0 after raise", 0);
  run(loop, "run NOWAIT after that", EVRUN_NOWAIT);

  ev_async_send(loop, &as);
  raise(SIGUSR2);
  run(loop, "run ONCE after both", EVRUN_ONCE);

  ev_timer_init(&tick, on_tick, 0.07, 0.07);
  tick.data = "tick";
  ev_timer_start(loop, &tick);
  run(loop, "run 0 with a referenced ticking timer", 0);

  ev_ref(loop);
  ev_ref(loop);
  ev_signal_stop(loop, &sig);
  ev_async_stop(loop, &as);
  run(loop, "run 0 after stopping both", 0);
  return 0;
}
