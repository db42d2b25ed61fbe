/* event_del from callbacks: deleting an event whose callback is queued for the same iteration
 * (a timer with the same expiry, a second event on the same ready fd) cancels that callback;
 * an event that deletes and re-adds itself keeps running; an io event ready in the same iteration
 * as its own zero timeout gets one callback, not two; deleting an event from its own callback and
 * deleting it again is harmless. */
#include "evt.h"

static int ready[2];
static struct event first, second, io_a, io_b, self, both, twice;
static int self_calls;

static void on_first(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("second before event_del", &second);
  printf("  event_del(second) returns %d\n", event_del(&second));
}

static void on_io_a(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  printf("  event_del(io-b) returns %d\n", event_del(&io_b));
  printf("  event_del(io-a) returns %d\n", event_del(&io_a));
}

static void on_self(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  event_del(&self);
  if (++self_calls < 3) {
    printf("  re-add returns %d\n", event_add(&self, NULL));
  } else {
    printf("  stays deleted\n");
  }
  evt_show("self", &self);
}

static void on_twice(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  int first_result = event_del(&twice);
  printf("  event_del returns %d, again %d\n", first_result, event_del(&twice));
  evt_show("twice", &twice);
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(ready, "ready-r", "ready-w");
  evt_fill(ready[1]);
  struct timeval tv;

  printf("-- timers with one expiry\n");
  evtimer_set(&first, on_first, "first");
  evtimer_set(&second, evt_trace, "second");
  evt_ms(&tv, 5);
  evtimer_add(&first, &tv);
  evtimer_add(&second, &tv);
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- two persistent events on one ready fd\n");
  /* The event added first runs first (libev's order for watchers on one fd). */
  event_set(&io_a, ready[0], EV_READ | EV_PERSIST, on_io_a, "io-a");
  event_add(&io_a, NULL);
  event_set(&io_b, ready[0], EV_READ | EV_PERSIST, evt_trace, "io-b");
  event_add(&io_b, NULL);
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- an event that deletes and re-adds itself\n");
  event_set(&self, ready[0], EV_READ | EV_PERSIST, on_self, "self");
  event_add(&self, NULL);
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- io and its zero timeout in one iteration\n");
  event_set(&both, ready[0], EV_READ, evt_trace, "both");
  event_add(&both, evt_ms(&tv, 0));
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evt_show("both", &both);
  printf("loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));

  printf("-- deleting twice\n");
  event_set(&twice, ready[0], EV_READ | EV_PERSIST, on_twice, "twice");
  event_add(&twice, evt_ms(&tv, 1000));
  printf("dispatch returns %d\n", event_dispatch());
  return 0;
}
