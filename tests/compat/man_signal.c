/* The ev_signal and ev_ref/ev_unref examples: "try to exit cleanly on SIGINT" (the callback
 * breaks out of all ev_run calls, here from inside a nested one), an exit signal watcher that
 * is ev_unref'ed after starting so that it does not keep ev_run alive (and ev_ref'ed again
 * before stopping; a SIGINT raised then is handled only by a later iteration), and
 * ev_feed_signal_event, which invokes the watchers of a signal that never arrived. SIGINT is
 * raised with kill (getpid ()) from a timer callback. */
#include "compat.h"
#include <signal.h>

static int nested;

static void sigint_cb(struct ev_loop *loop, ev_signal *w, int revents) {
  trace_untimed(w, revents);
  printf("  depth %u\n", ev_depth(loop));
  ev_break(loop, EVBREAK_ALL);
}

static void raise_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  require(kill(getpid(), SIGINT) == 0, "kill");
}

static void nest_cb(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  if (nested++) return;
  printf("  nested run returned %d\n", ev_run(loop, 0));
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = EV_DEFAULT;

  printf("exit cleanly on SIGINT, raised in a nested ev_run\n");
  ev_signal signal_watcher;
  ev_signal_init(&signal_watcher, sigint_cb, SIGINT);
  signal_watcher.data = "signal_watcher";
  ev_signal_start(loop, &signal_watcher);
  ev_timer nest, raiser;
  ev_timer_init(&nest, nest_cb, 0., 0.);
  nest.data = "nest";
  ev_timer_start(loop, &nest);
  ev_timer_init(&raiser, raise_cb, 0.05, 0.);
  raiser.data = "raise";
  ev_timer_start(loop, &raiser);
  printf("run returned %d\n", ev_run(loop, 0));
  ev_signal_stop(loop, &signal_watcher);

  printf("an unreferenced exit signal watcher\n");
  ev_signal exitsig;
  ev_signal_init(&exitsig, sigint_cb, SIGINT);
  exitsig.data = "exitsig";
  ev_signal_start(loop, &exitsig);
  ev_unref(loop);
  int result = ev_run(loop, 0);
  printf("run returned %d at once, iteration %u\n", result, ev_iteration(loop));
  ev_timer_start(loop, &raiser);
  result = ev_run(loop, 0);
  printf("with a timer raising SIGINT: run returned %d\n", result);
  result = ev_run(loop, EVRUN_NOWAIT);
  printf("the next iteration delivers that SIGINT: run returned %d\n", result);

  printf("ev_feed_signal_event\n");
  ev_feed_signal_event(loop, SIGINT);
  printf("  pending %d\n", !!ev_is_pending(&exitsig));
  result = ev_run(loop, EVRUN_NOWAIT);
  printf("run returned %d\n", result);
  ev_ref(loop);
  ev_signal_stop(loop, &exitsig);
  printf("stopped: run returned %d\n", ev_run(loop, 0));
  return 0;
}
