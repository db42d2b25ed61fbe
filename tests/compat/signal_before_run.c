/* Signals raised before ev_run: delivered in the first iteration, several watchers on one signal
 * each invoked once, repeated raises coalesced, and two different signals in a fixed order. */
#include <signal.h>

#include "compat.h"

static ev_signal usr1[3], usr2;

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  printf("  signum is %s\n", w->signum == SIGUSR1 ? "SIGUSR1" : "SIGUSR2");
}

static void run_once(struct ev_loop *loop, const char *what) {
  printf("%s\n", what);
  printf("  pending count before running: %u\n", ev_pending_count(loop));
  ev_run(loop, EVRUN_ONCE);
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  static const char *const labels[3] = {"usr1-a", "usr1-b", "usr1-c"};
  for (int i = 0; i < 3; ++i) {
    ev_signal_init(&usr1[i], on_signal, SIGUSR1);
    usr1[i].data = (void *)labels[i];
    ev_signal_start(loop, &usr1[i]);
  }
  ev_signal_init(&usr2, on_signal, SIGUSR2);
  usr2.data = "usr2";
  ev_signal_start(loop, &usr2);

  raise(SIGUSR1);
  run_once(loop, "SIGUSR1 raised before the first run");
  raise(SIGUSR1);
  raise(SIGUSR1);
  raise(SIGUSR1);
  run_once(loop, "SIGUSR1 raised three times");
  raise(SIGUSR1);
  raise(SIGUSR2);
  run_once(loop, "SIGUSR1 then SIGUSR2");
  raise(SIGUSR2);
  raise(SIGUSR1);
  run_once(loop, "SIGUSR2 then SIGUSR1");

  for (int i = 0; i < 3; ++i) ev_signal_stop(loop, &usr1[i]);
  ev_signal_stop(loop, &usr2);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
