/* ev_ref/ev_unref: unreferenced watchers still fire while the loop runs for other reasons, but
 * do not keep ev_run(loop, 0) from returning. */
#include <signal.h>

#include "compat.h"

int main(void) {
  compat_begin();
  struct ev_loop *loop = ev_default_loop(0);

  ev_timer far;
  ev_timer_init(&far, TRACE_CB(ev_timer), 100., 0.);
  far.data = "far-timer";
  ev_timer_start(loop, &far);
  ev_unref(loop);
  printf("unreferenced far timer: run returned %d\n", ev_run(loop, 0));
  show_state(&far);

  ev_idle idle;
  ev_idle_init(&idle, TRACE_CB(ev_idle));
  idle.data = "unreferenced-idle";
  ev_idle_start(loop, &idle);
  ev_unref(loop);
  ev_timer soon;
  ev_timer_init(&soon, TRACE_CB(ev_timer), 0., 0.);
  soon.data = "referenced-zero-timer";
  ev_timer_start(loop, &soon);
  printf("unreferenced idle and a zero timer: run returned %d\n", ev_run(loop, 0));
  printf("unreferenced idle alone, NOWAIT: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));

  ev_signal usr1;
  ev_signal_init(&usr1, TRACE_CB(ev_signal), SIGUSR1);
  usr1.data = "unreferenced-signal";
  ev_signal_start(loop, &usr1);
  ev_unref(loop);
  raise(SIGUSR1);
  printf("unreferenced signal raised: run returned %d\n", ev_run(loop, 0));
  ev_timer_start(loop, &soon);
  raise(SIGUSR1);
  printf("and with a zero timer: run returned %d\n", ev_run(loop, 0));

  ev_ref(loop);
  printf("NOWAIT with one extra reference: run returned %d\n", ev_run(loop, EVRUN_NOWAIT));
  ev_unref(loop);

  /* Re-reference before stopping, as the documentation requires. */
  ev_ref(loop);
  ev_signal_stop(loop, &usr1);
  ev_ref(loop);
  ev_idle_stop(loop, &idle);
  ev_ref(loop);
  ev_timer_stop(loop, &far);
  printf("all stopped: run returned %d\n", ev_run(loop, 0));
  printf("iterations %u\n", ev_iteration(loop));
  return 0;
}
