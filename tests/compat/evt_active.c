/* event_active: each kind in res is handed to the watcher that would report it (TIMEOUT to the
 * timeout, SIGNAL and READ/WRITE to the shared io/signal watcher), so kinds fed together can
 * arrive in one callback or in two (even for a non-persistent event: its callback deletes it,
 * but a fed timeout that was never added stays queued); ncalls is ignored; feeding twice before
 * the loop runs merges the kinds; res without a known kind queues nothing; an event need not be
 * added to be fed. */
#include "evt.h"

static int quiet[2];
static struct event ev;

static void show_run(const char *what) {
  printf("%s\n", what);
  int result = event_loop(EVLOOP_NONBLOCK);
  printf("  loop nonblock returns %d\n", result);
  evt_show("event", &ev);
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(quiet, "quiet-r", "quiet-w");

  event_set(&ev, quiet[0], EV_READ, evt_trace, "io-not-added");
  event_active(&ev, EV_WRITE, 1);
  show_run("WRITE to an io event that is not added");

  event_set(&ev, quiet[0], EV_READ, evt_trace, "io-added");
  event_add(&ev, NULL);
  event_active(&ev, EV_READ, 5);
  show_run("READ with ncalls 5 to an added io event");

  event_set(&ev, quiet[0], EV_READ, evt_trace, "io-once-all-kinds");
  event_add(&ev, NULL);
  event_active(&ev, EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, 1);
  show_run("every kind to a non-persistent io event");

  event_set(&ev, quiet[0], EV_READ | EV_PERSIST, evt_trace, "io-persist-all-kinds");
  event_add(&ev, NULL);
  event_active(&ev, EV_READ | EV_WRITE | EV_TIMEOUT | EV_SIGNAL, 1);
  show_run("every kind to a persistent io event");
  event_del(&ev);

  event_set(&ev, quiet[0], EV_READ | EV_PERSIST, evt_trace, "io-fed-twice");
  event_active(&ev, EV_READ, 1);
  event_active(&ev, EV_WRITE, 1);
  show_run("READ, then WRITE, before the loop runs");

  event_set(&ev, quiet[0], EV_READ | EV_PERSIST, evt_trace, "io-nothing-known");
  event_active(&ev, EV_PERSIST | EV_ET | 0x1000, 1);
  event_active(&ev, 0, 1);
  show_run("PERSIST, ET, an unknown bit and 0");

  signal_set(&ev, SIGUSR1, evt_trace_signal, "signal-fed-read");
  event_active(&ev, EV_READ | EV_SIGNAL, 1);
  show_run("READ and SIGNAL to a signal event");

  evtimer_set(&ev, evt_trace, "timer-fed-timeout");
  event_active(&ev, EV_TIMEOUT, 1);
  show_run("TIMEOUT to a timer event");
  return 0;
}
