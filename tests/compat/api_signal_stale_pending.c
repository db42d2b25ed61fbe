/* A signal caught while its watcher is being stopped stays marked as caught. Whether it reaches
 * the watcher once that is started again depends on when the loop next looks at caught signals:
 * right away if it had not looked since (the stop and restart happen between iterations), or
 * only when another signal makes the loop look again (an iteration ran while no watcher was
 * started). The other signal comes from raise() or from ev_feed_signal. */
#include <signal.h>

#include "compat.h"

static struct ev_loop *loop;
static ev_signal usr1, usr2;

static void on_signal(struct ev_loop *l, ev_signal *w, int revents) {
  trace(l, w, revents);
}

static void nowait(const char *what) {
  printf("%s\n", what);
  ev_run(loop, EVRUN_NOWAIT);
}

int main(void) {
  compat_begin();
  loop = ev_default_loop(0);
  ev_signal_init(&usr1, on_signal, SIGUSR1);
  ev_signal_init(&usr2, on_signal, SIGUSR2);
  usr1.data = "usr1";
  usr2.data = "usr2";

  printf("scenario: stopped and restarted between iterations\n");
  ev_signal_start(loop, &usr1);
  raise(SIGUSR1);
  ev_signal_stop(loop, &usr1);
  ev_signal_start(loop, &usr1);
  nowait("  nowait after the restart");
  nowait("  nowait again");
  ev_signal_stop(loop, &usr1);

  for (int feed = 0; feed <= 1; ++feed) {
    printf("scenario: an iteration while stopped, then %s\n",
           feed ? "ev_feed_signal(SIGUSR2)" : "raise(SIGUSR2)");
    ev_signal_start(loop, &usr1);
    raise(SIGUSR1);
    ev_signal_stop(loop, &usr1);
    nowait("  nowait while stopped");
    ev_signal_start(loop, &usr1);
    nowait("  nowait after the restart");
    ev_signal_start(loop, &usr2);
    if (feed)
      ev_feed_signal(SIGUSR2);
    else
      raise(SIGUSR2);
    nowait("  nowait after the other signal");
    nowait("  nowait again");
    ev_signal_stop(loop, &usr2);
    ev_signal_stop(loop, &usr1);
  }

  printf("scenario: ev_feed_signal while no watcher is started\n");
  ev_feed_signal(SIGUSR1);
  ev_signal_start(loop, &usr1);
  nowait("  nowait after the start");
  ev_signal_stop(loop, &usr1);
  return 0;
}
