/* One struct event used for different things in turn: event_set on a deleted event makes it an
 * io, timer or signal event afresh (priority and last result reset, callback and argument
 * replaced), also from inside its own callback; every callback gets the fd, the events and the
 * argument it was set with; event_get_callback follows the changes. */
#include "evt.h"

static int ready[2];
static struct event ev;
static int stage;

static void on_second(int fd, short events, void *arg);

static void on_first(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_drain(fd); /* a ready fd nobody watches could wake the next iteration early */
  printf("  ev_res %s, arg is the label: %d\n", evt_events_text(ev.ev_res),
         arg == (void *)"first-io");
  /* Deleted already (not persistent): turn it into a timer from inside the callback. */
  evtimer_set(&ev, on_second, "second-timer");
  printf("  after evtimer_set: fd %d events %s pri %d res %s flags %s\n", EVENT_FD(&ev),
         evt_events_text(ev.ev_events), ev.ev_pri, evt_events_text(ev.ev_res),
         evt_flags_text(ev.ev_flags));
  printf("  event_get_callback is on_second: %d\n", event_get_callback(&ev) == on_second);
  struct timeval tv;
  evtimer_add(&ev, evt_ms(&tv, 1));
}

static void on_second(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  ++stage;
  signal_set(&ev, SIGUSR1, evt_trace_signal, "third-signal");
  signal_add(&ev, NULL);
  raise(SIGUSR1);
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(ready, "ready-r", "ready-w");
  evt_fill(ready[1]);

  event_set(&ev, ready[0], EV_READ, on_first, "first-io");
  event_priority_set(&ev, 2);
  printf("set: pri %d callback is on_first %d\n", ev.ev_pri, event_get_callback(&ev) == on_first);
  event_add(&ev, NULL);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  printf("signal_del returns %d\n", signal_del(&ev));

  event_set(&ev, ready[1], EV_WRITE | EV_PERSIST, evt_trace, "fourth-write");
  printf("set again: pri %d res %s flags %s\n", ev.ev_pri, evt_events_text(ev.ev_res),
         evt_flags_text(ev.ev_flags));
  event_add(&ev, NULL);
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  event_del(&ev);
  /* event_set on a deleted, never-run struct again, twice in a row. */
  evt_fill(ready[1]);
  event_set(&ev, ready[0], EV_READ, evt_trace, "fifth-read-discarded");
  event_set(&ev, ready[0], EV_READ, evt_trace, "fifth-read");
  event_add(&ev, NULL);
  printf("dispatch returns %d\n", event_dispatch());
  return 0;
}
