/* Priorities: libev's emulation accepts every priority call and number and stores the number in
 * ev_pri, but runs all events at one priority: timers with one expiry run in the order they were
 * added, io callbacks in libev's fd order and fed events last-fed first, whatever their
 * priorities. */
#include "evt.h"

enum { COUNT = 5 };
static struct event timers[COUNT], fed[COUNT], readers[COUNT];
static const int priorities[COUNT] = {0, 3, 1, -1, 2};
static const char *timer_names[COUNT] = {"timer-pri-0", "timer-pri-3", "timer-pri-1",
                                         "timer-pri-minus-1", "timer-pri-2"};
static const char *fed_names[COUNT] = {"fed-pri-0", "fed-pri-3", "fed-pri-1", "fed-pri-minus-1",
                                       "fed-pri-2"};
static const char *reader_names[COUNT] = {"reader-pri-0", "reader-pri-3", "reader-pri-1",
                                          "reader-pri-minus-1", "reader-pri-2"};

int main(void) {
  compat_begin();
  struct event_base *base = event_init();
  printf("event_priority_init(4) returns %d\n", event_priority_init(4));
  printf("event_priority_init(0) returns %d\n", event_priority_init(0));
  printf("event_priority_init(-3) returns %d\n", event_priority_init(-3));
  printf("event_base_priority_init(base, 256) returns %d\n", event_base_priority_init(base, 256));
  struct timeval tv;
  evt_ms(&tv, 5);

  for (int i = 0; i < COUNT; ++i) {
    evtimer_set(&timers[i], evt_trace, (void *)timer_names[i]);
    /* Half before the add, half after: neither matters. */
    if (i % 2) evtimer_add(&timers[i], &tv);
    int result = event_priority_set(&timers[i], priorities[i]);
    printf("event_priority_set(%s) returns %d, ev_pri %d\n", timer_names[i], result,
           timers[i].ev_pri);
    if (!(i % 2)) evtimer_add(&timers[i], &tv);
  }
  printf("dispatch returns %d\n", event_dispatch());

  for (int i = 0; i < COUNT; ++i) {
    evtimer_set(&fed[i], evt_trace, (void *)fed_names[i]);
    event_priority_set(&fed[i], priorities[i]);
    event_active(&fed[i], EV_TIMEOUT, 0);
  }
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));

  int fds[2];
  evt_pipe(fds, "ready-r", "ready-w");
  evt_fill(fds[1]);
  for (int i = 0; i < COUNT; ++i) {
    event_set(&readers[i], fds[0], EV_READ, evt_trace, (void *)reader_names[i]);
    event_priority_set(&readers[i], priorities[i]);
    event_add(&readers[i], NULL);
  }
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));

  printf("out of range: event_priority_set returns %d and %d\n",
         event_priority_set(&readers[0], 1000), event_priority_set(&readers[1], -1000));
  printf("ev_pri %d and %d\n", readers[0].ev_pri, readers[1].ev_pri);
  return 0;
}
