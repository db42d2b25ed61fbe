/* event_loopexit and event_base_loopexit: a NULL timeval ends the loop after the current
 * iteration (callbacks of that iteration still run); a timeval ends it once that much time has
 * passed, with other events still waiting (so dispatch returns 0); the exit is a timer, so it
 * waits in a base that is not running and ends that base's next run, and each of several exits
 * ends one run; zero and negative timevals mean the next iteration; with nothing else to wait
 * for, a pending exit still keeps the loop running until it fires. */
#include "evt.h"

static int ready[2];
static struct event reader, early, late;
static int reads;

static void on_reader(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  ++reads;
}

int main(void) {
  compat_begin();
  struct event_base *base = event_init();
  struct event_base *other = event_base_new();
  evt_pipe(ready, "ready-r", "ready-w");
  evt_fill(ready[1]);
  struct timeval tv;

  printf("-- exit in the next iteration\n");
  event_set(&reader, ready[0], EV_READ | EV_PERSIST, on_reader, "reader");
  event_add(&reader, NULL);
  printf("event_loopexit(NULL) returns %d\n", event_loopexit(NULL));
  int result = event_dispatch();
  printf("dispatch returns %d after %d read callbacks\n", result, reads);
  event_del(&reader);

  printf("-- exit after a timeout, with a later event still waiting\n");
  evtimer_set(&early, evt_trace, "early-10ms");
  evtimer_add(&early, evt_ms(&tv, 10));
  evtimer_set(&late, evt_trace, "late-300ms");
  evtimer_add(&late, evt_ms(&tv, 300));
  printf("event_loopexit(100ms) returns %d\n", event_loopexit(evt_ms(&tv, 100)));
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("late-300ms", &late);
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- several exits, one per run\n");
  evtimer_set(&late, evt_trace, "late-200ms");
  evtimer_add(&late, evt_ms(&tv, 200));
  event_base_loopexit(base, evt_ms(&tv, 10));
  event_base_loopexit(base, evt_ms(&tv, 40));
  for (int run = 1; run <= 3; ++run) printf("run %d returns %d\n", run, event_dispatch());

  printf("-- zero and negative timevals\n");
  event_add(&reader, NULL);
  reads = 0;
  tv.tv_sec = 0;
  tv.tv_usec = 0;
  event_loopexit(&tv);
  result = event_dispatch();
  printf("zero: dispatch returns %d after %d read callbacks\n", result, reads);
  reads = 0;
  tv.tv_sec = -1;
  event_loopexit(&tv);
  result = event_dispatch();
  printf("negative: dispatch returns %d after %d read callbacks\n", result, reads);
  event_del(&reader);

  printf("-- an exit waiting in a base that is not running\n");
  printf("event_base_loopexit(other, NULL) returns %d\n", event_base_loopexit(other, NULL));
  event_set(&reader, ready[0], EV_READ | EV_PERSIST, on_reader, "reader-on-other");
  event_base_set(other, &reader);
  event_add(&reader, NULL);
  reads = 0;
  printf("the default base is unaffected: loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
  result = event_base_dispatch(other);
  printf("other: dispatch returns %d after %d read callbacks\n", result, reads);
  event_del(&reader);

  printf("-- an exit alone keeps the loop running\n");
  event_base_loopexit(other, evt_ms(&tv, 200)); /* not due before the non-blocking run */
  printf("loop nonblock returns %d\n", event_base_loop(other, EVLOOP_NONBLOCK));
  printf("dispatch returns %d\n", event_base_dispatch(other));
  printf("dispatch returns %d\n", event_base_dispatch(other));
  event_base_free(other);
  return 0;
}
