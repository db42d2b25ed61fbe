/* Bases: the first event_init returns the default loop and later ones new loops, each becoming
 * the base that event_set gives new events; event_base_new never touches that choice;
 * event_base_set moves an idle event; each base runs only its own events; event_base_free
 * leaves the default loop alone and destroys the others; an event_init after freeing the current
 * base makes a new loop again, not the default one. */
#include "evt.h"

static struct event timers[4];

static void show_base(const char *label, void *base) {
  printf("%s: %s, is default loop %d\n", label, base ? "a base" : "NULL",
         base ? ev_is_default_loop((struct ev_loop *)base) : -1);
}

int main(void) {
  compat_begin();
  struct timeval tv;

  struct event_base *first = event_init();
  show_base("event_init 1", first);
  printf("  same as ev_default_loop: %d\n", (void *)first == (void *)ev_default_loop(0));
  evtimer_set(&timers[0], evt_trace, "timer-on-first");
  printf("  timer-on-first has first: %d\n", timers[0].ev_base == first);

  struct event_base *made = event_base_new();
  show_base("event_base_new", made);
  evtimer_set(&timers[1], evt_trace, "timer-moved-to-made");
  printf("  after event_base_new, new events still get first: %d\n", timers[1].ev_base == first);
  int result = event_base_set(made, &timers[1]);
  printf("  event_base_set returns %d, moved: %d\n", result, timers[1].ev_base == made);

  struct event_base *second = event_init();
  show_base("event_init 2", second);
  printf("  differs from first %d and made %d\n", second != first, second != made);
  evtimer_set(&timers[2], evt_trace, "timer-on-second");
  printf("  timer-on-second has second: %d\n", timers[2].ev_base == second);

  for (int i = 0; i < 3; ++i) printf("add %d\n", event_add(&timers[i], evt_ms(&tv, 5)));

  printf("event_base_dispatch(made) returns %d\n", event_base_dispatch(made));
  printf("event_dispatch() runs second: returns %d\n", event_dispatch());
  printf("event_base_loop(first, 0) returns %d\n", event_base_loop(first, 0));
  printf("nothing left: event_base_dispatch(made) returns %d\n", event_base_dispatch(made));

  printf("event_base_free(made)\n");
  event_base_free(made);
  printf("event_base_free(first), the default loop: it keeps working\n");
  event_base_free(first);
  evtimer_set(&timers[3], evt_trace, "timer-on-default-after-free");
  event_base_set(first, &timers[3]);
  event_add(&timers[3], evt_ms(&tv, 1));
  printf("event_base_dispatch(first) returns %d\n", event_base_dispatch(first));

  printf("event_base_free(second), the current base\n");
  event_base_free(second);
  struct event_base *third = event_init();
  show_base("event_init 3", third);
  printf("  differs from first: %d\n", third != first);
  evtimer_set(&timers[0], evt_trace, "timer-on-third");
  printf("  timer-on-third has third: %d\n", timers[0].ev_base == third);
  event_add(&timers[0], evt_ms(&tv, 1));
  printf("event_dispatch() returns %d\n", event_dispatch());
  event_base_free(third);
  return 0;
}
