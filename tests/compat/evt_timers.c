/* Timer events: evtimer_add fires once, in expiry order, and leaves the event deleted (flags back
 * to INIT), even with EV_PERSIST; a callback re-adding its own event makes it repeat; a zero
 * timeout fires in the next iteration; evtimer_del and timeout_del cancel; adding with a NULL
 * timeval to a timer-only event arms nothing but still marks it ACTIVE. */
#include "evt.h"

static struct event ticker, order[3], persist, zero, cancelled, macros, untimed;
static int ticks;

static void on_tick(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("ticker in callback", &ticker);
  printf("  ev_res %s\n", evt_events_text(ticker.ev_res));
  if (++ticks < 3) {
    struct timeval tv;
    printf("  re-add returns %d\n", evtimer_add(&ticker, evt_ms(&tv, 2)));
    evt_show("ticker re-added", &ticker);
  }
}

int main(void) {
  compat_begin();
  event_init();
  struct timeval tv;

  evtimer_set(&ticker, on_tick, "ticker");
  evt_show("ticker set", &ticker);
  printf("add returns %d\n", evtimer_add(&ticker, evt_ms(&tv, 2)));
  evt_show("ticker added", &ticker);
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("ticker after dispatch", &ticker);

  static const char *names[3] = {"order-30ms", "order-10ms", "order-20ms"};
  static const long delays[3] = {30, 10, 20};
  for (int i = 0; i < 3; ++i) {
    evtimer_set(&order[i], evt_trace, (void *)names[i]);
    evtimer_add(&order[i], evt_ms(&tv, delays[i]));
  }
  event_set(&persist, -1, EV_PERSIST, evt_trace, "persist-timer");
  event_add(&persist, evt_ms(&tv, 15));
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("persist-timer after firing", &persist);

  evtimer_set(&zero, evt_trace, "zero-timeout");
  evtimer_add(&zero, evt_ms(&tv, 0));
  evtimer_set(&cancelled, evt_trace, "cancelled");
  evtimer_add(&cancelled, evt_ms(&tv, 1));
  printf("evtimer_del returns %d\n", evtimer_del(&cancelled));
  evt_show("cancelled", &cancelled);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));

  timeout_set(&macros, evt_trace, "timeout-macros");
  printf("timeout_add returns %d\n", timeout_add(&macros, evt_ms(&tv, 50)));
  printf("timeout_pending %s\n", evt_events_text(timeout_pending(&macros, NULL)));
  printf("timeout_del returns %d\n", timeout_del(&macros));
  printf("timeout_pending %s\n", evt_events_text(timeout_pending(&macros, NULL)));
  printf("timeout_add again returns %d\n", timeout_add(&macros, evt_ms(&tv, 1)));
  printf("dispatch returns %d\n", event_dispatch());

  evtimer_set(&untimed, evt_trace, "untimed");
  printf("evtimer_add(NULL) returns %d\n", evtimer_add(&untimed, NULL));
  evt_show("untimed", &untimed);
  printf("dispatch returns %d\n", event_dispatch());
  return 0;
}
