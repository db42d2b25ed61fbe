/* libev's event.h as binaries see it: struct event's size and member offsets (programs built
 * against libev's header allocate it and run on evring), the values of every constant, what
 * the macros expand to, and the version and method strings. */
#include <stddef.h>

#include "evt.h"

static void on_event(int fd, short events, void *arg) {
  (void)fd;
  (void)events;
  (void)arg;
}

#define SHOW_OFFSET(member) printf("  offsetof %s %zu\n", #member, offsetof(struct event, member))
#define SHOW_VALUE(name) printf("  %s 0x%x\n", #name, (unsigned)(name))

int main(void) {
  compat_begin();
  printf("sizeof(struct event) %zu\n", sizeof(struct event));
  SHOW_OFFSET(iosig);
  SHOW_OFFSET(iosig.io);
  SHOW_OFFSET(iosig.sig);
  SHOW_OFFSET(to);
  SHOW_OFFSET(ev_base);
  SHOW_OFFSET(ev_callback);
  SHOW_OFFSET(ev_arg);
  SHOW_OFFSET(ev_fd);
  SHOW_OFFSET(ev_pri);
  SHOW_OFFSET(ev_res);
  SHOW_OFFSET(ev_flags);
  SHOW_OFFSET(ev_events);
  printf("sizeof ev_events %zu\n", sizeof(((struct event *)0)->ev_events));

  printf("constants\n");
  SHOW_VALUE(EV_TIMEOUT);
  SHOW_VALUE(EV_READ);
  SHOW_VALUE(EV_WRITE);
  SHOW_VALUE(EV_SIGNAL);
  SHOW_VALUE(EV_PERSIST);
  SHOW_VALUE(EV_ET);
  SHOW_VALUE(EVLOOP_ONCE);
  SHOW_VALUE(EVLOOP_ONESHOT);
  SHOW_VALUE(EVLOOP_NONBLOCK);
  SHOW_VALUE(EVLIST_TIMEOUT);
  SHOW_VALUE(EVLIST_INSERTED);
  SHOW_VALUE(EVLIST_SIGNAL);
  SHOW_VALUE(EVLIST_ACTIVE);
  SHOW_VALUE(EVLIST_INTERNAL);
  SHOW_VALUE(EVLIST_INIT);
#if defined(EV_READ) && defined(EV_WRITE) && defined(EV_TIMEOUT)
  printf("  EV_READ, EV_WRITE and EV_TIMEOUT are macros\n");
#endif

  printf("strings\n");
  printf("  event_get_version %s\n", event_get_version());
  printf("  event_get_method before event_init %s\n", event_get_method());
  struct event_base *base = event_init();
  printf("  event_get_method %s\n", event_get_method());
  printf("  event_base_get_method %s\n", event_base_get_method(base));

  printf("macros\n");
  struct event ev;
  memset(&ev, 0, sizeof ev);
  printf("  zeroed: event_initialized %d evtimer_initialized %d\n", event_initialized(&ev),
         evtimer_initialized(&ev));
  evtimer_set(&ev, on_event, "timer");
  printf("  evtimer_set: fd %d events %s initialized %d %d %d\n", EVENT_FD(&ev),
         evt_events_text(ev.ev_events), event_initialized(&ev), timeout_initialized(&ev),
         signal_initialized(&ev));
  timeout_set(&ev, on_event, "timeout");
  printf("  timeout_set: fd %d events %s arg %s\n", EVENT_FD(&ev), evt_events_text(ev.ev_events),
         (const char *)ev.ev_arg);
  signal_set(&ev, SIGUSR1, on_event, "signal");
  printf("  signal_set: signal %d events %s arg %s\n", EVENT_SIGNAL(&ev),
         evt_events_text(ev.ev_events), (const char *)ev.ev_arg);
  printf("  event_get_callback is the callback: %d\n", event_get_callback(&ev) == on_event);
  printf("  typed callback: %d\n", (event_callback_fn)on_event == ev.ev_callback);
  return 0;
}
