/* event_pending: which of the asked-for kinds an event waits for or has queued (the events
 * argument masks the answer); a non-persistent event no longer pends in its own callback, a
 * persistent one does; a callback queued by event_active counts as pending; an event with
 * EV_TIMEOUT among its own events always reports it. The timeval it fills in is the loop's
 * current time (ev_now), not the expiry, and is left alone when no timeout is reported. */
#include "evt.h"

static int ready[2];
static struct event io, timer, flagged, in_cb, sig;

/* Prints what event_pending answers and what it did to the timeval, without printing times. */
static void show_pending(const char *label, struct event *ev, short events) {
  struct timeval tv = {12345, 678};
  int result = event_pending(ev, events, &tv);
  ev_tstamp now = ev_now((struct ev_loop *)ev->ev_base);
  long now_sec = (long)now;
  long now_usec = (long)((now - (ev_tstamp)now_sec) * 1e6);
  const char *tv_text = "something else";
  if (tv.tv_sec == 12345 && tv.tv_usec == 678)
    tv_text = "untouched";
  else if (tv.tv_sec == now_sec && tv.tv_usec == now_usec)
    tv_text = "ev_now";
  else if (tv.tv_sec + tv.tv_usec * 1e-6 > now)
    tv_text = "after ev_now";
  printf("  %s asked %s: %s, tv %s\n", label, evt_events_text(events), evt_events_text(result),
         tv_text);
}

static void show_all(const char *label, struct event *ev) {
  show_pending(label, ev, EV_TIMEOUT | EV_READ | EV_WRITE | EV_SIGNAL);
}

static void on_in_cb(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  show_all("in its callback", &in_cb);
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(ready, "ready-r", "ready-w");
  struct timeval tv;

  printf("-- io event\n");
  event_set(&io, ready[1], EV_WRITE, evt_trace, "io");
  show_all("not added", &io);
  event_add(&io, NULL);
  show_all("added", &io);
  show_pending("added", &io, EV_READ);
  show_pending("added", &io, EV_WRITE | EV_SIGNAL);
  event_add(&io, evt_ms(&tv, 1000));
  show_all("with timeout", &io);
  show_pending("with timeout", &io, EV_WRITE);
  show_pending("with timeout", &io, -1);
  event_del(&io);
  show_all("deleted", &io);

  printf("-- timer event\n");
  evtimer_set(&timer, evt_trace, "timer");
  show_all("not added", &timer);
  evtimer_add(&timer, evt_ms(&tv, 1000));
  show_pending("added", &timer, EV_TIMEOUT);
  show_pending("added", &timer, EV_READ);
  tv.tv_sec = 1;
  tv.tv_usec = 1;
  printf("  evtimer_pending %s\n", evt_events_text(evtimer_pending(&timer, &tv)));
  evtimer_del(&timer);
  event_active(&timer, EV_TIMEOUT, 1);
  show_all("fed, not added", &timer);
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  show_all("after its callback", &timer);

  printf("-- EV_TIMEOUT among the event's own events\n");
  event_set(&flagged, ready[0], EV_READ | EV_TIMEOUT, evt_trace, "flagged");
  show_all("not added", &flagged);
  event_add(&flagged, NULL);
  show_all("added without timeout", &flagged);
  event_del(&flagged);

  printf("-- in callbacks\n");
  evt_fill(ready[1]);
  event_set(&in_cb, ready[0], EV_READ, on_in_cb, "non-persistent");
  event_add(&in_cb, evt_ms(&tv, 1000));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  event_set(&in_cb, ready[0], EV_READ | EV_PERSIST, on_in_cb, "persistent");
  event_add(&in_cb, evt_ms(&tv, 1000));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  event_del(&in_cb);

  printf("-- signal event\n");
  signal_set(&sig, SIGUSR1, evt_trace_signal, "sig");
  show_all("not added", &sig);
  signal_add(&sig, NULL);
  show_all("added", &sig);
  show_pending("added", &sig, EV_READ | EV_WRITE);
  printf("  signal_pending %s\n", evt_events_text(signal_pending(&sig, NULL)));
  signal_add(&sig, evt_ms(&tv, 1000));
  show_all("with timeout", &sig);
  signal_del(&sig);
  show_all("deleted", &sig);
  return 0;
}
