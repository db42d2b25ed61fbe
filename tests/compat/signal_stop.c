/* Stopping signal watchers: a stopped watcher gets nothing while a sibling still does, a pending
 * signal watcher stopped by a higher priority callback is not invoked, and a signal caught just
 * before its last watcher is stopped is dropped. Stopping the last watcher restores SIG_DFL. */
#include <signal.h>

#include "compat.h"

static ev_signal first, second, keep_alive;
static ev_timer stopper;

static void on_signal(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
}

static void on_first_stopping_second(struct ev_loop *loop, ev_signal *w, int revents) {
  trace(loop, w, revents);
  show_state(&second);
  ev_signal_stop(loop, &second);
  show_state(&second);
}

static void on_stopper(struct ev_loop *loop, ev_timer *w, int revents) {
  trace(loop, w, revents);
  raise(SIGUSR1);
  ev_signal_stop(loop, &first);
  printf("  raised SIGUSR1, then stopped its last watcher\n");
}

static void print_disposition(const char *when) {
  struct sigaction current;
  require(sigaction(SIGUSR1, NULL, &current) == 0, "sigaction");
  printf("SIGUSR1 disposition %s: %s\n", when,
         current.sa_handler == SIG_DFL   ? "default"
         : current.sa_handler == SIG_IGN ? "ignored"
                                         : "handler");
}

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);
  ev_signal_init(&first, on_signal, SIGUSR1);
  ev_signal_init(&second, on_signal, SIGUSR1);
  ev_signal_init(&keep_alive, on_signal, SIGUSR2);
  first.data = "first";
  second.data = "second";
  keep_alive.data = "keep-alive";
  print_disposition("before any watcher");
  ev_signal_start(loop, &keep_alive);
  ev_signal_start(loop, &first);
  ev_signal_start(loop, &second);
  print_disposition("with watchers");

  printf("first stopped, second still started\n");
  ev_signal_stop(loop, &first);
  raise(SIGUSR1);
  ev_run(loop, EVRUN_ONCE);

  printf("second pending, stopped by a higher priority watcher\n");
  ev_set_cb(&first, on_first_stopping_second);
  ev_set_priority(&first, 1);
  ev_signal_start(loop, &first);
  raise(SIGUSR1);
  ev_run(loop, EVRUN_ONCE);
  show_state(&first);

  printf("caught, then its last watcher stopped\n");
  ev_timer_init(&stopper, on_stopper, 0., 0.);
  stopper.data = "stopper";
  ev_timer_start(loop, &stopper);
  ev_run(loop, EVRUN_ONCE);
  ev_run(loop, EVRUN_NOWAIT);
  ev_run(loop, EVRUN_NOWAIT);
  print_disposition("after the last watcher stopped");

  printf("restarted after the dropped signal\n");
  ev_set_cb(&first, on_signal);
  ev_signal_start(loop, &first);
  ev_run(loop, EVRUN_NOWAIT);
  raise(SIGUSR1);
  ev_run(loop, EVRUN_ONCE);
  ev_signal_stop(loop, &first);
  ev_signal_stop(loop, &keep_alive);
  printf("run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
