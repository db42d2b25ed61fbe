/* event_once and event_base_once: the callback runs once, with READ/WRITE when the fd is ready
 * first and TIMEOUT when the timeout comes first; fd -1 with a timeout is a plain timer; a NULL
 * timeval waits for the fd alone, and with fd -1 arms nothing at all (the callback never runs and
 * the loop does not wait for it); the events are masked to READ|WRITE; a zero timeout fires in
 * the next iteration; each base runs its own. */
#include "evt.h"

static int ready[2], quiet[2];

static void on_once(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  if (events & EV_READ) evt_drain(ready[0]);
}

int main(void) {
  compat_begin();
  event_init();
  struct event_base *other = event_base_new();
  evt_pipe(ready, "ready-r", "ready-w");
  evt_pipe(quiet, "quiet-r", "quiet-w");
  struct timeval tv;

  evt_fill(ready[1]);
  printf("ready fd, long timeout: %d\n",
         event_once(ready[0], EV_READ, on_once, "ready-long", evt_ms(&tv, 5000)));
  printf("dispatch returns %d\n", event_dispatch());

  printf("quiet fd, short timeout: %d\n",
         event_once(quiet[0], EV_READ, on_once, "quiet-short", evt_ms(&tv, 10)));
  printf("dispatch returns %d\n", event_dispatch());

  printf("no fd, timeout: %d\n", event_once(-1, 0, on_once, "timer-only", evt_ms(&tv, 5)));
  printf("no fd, events ignored: %d\n",
         event_once(-1, EV_READ, on_once, "timer-only-with-read", evt_ms(&tv, 10)));
  printf("dispatch returns %d\n", event_dispatch());

  evt_fill(ready[1]);
  printf("ready fd, no timeout: %d\n", event_once(ready[0], EV_READ, on_once, "fd-only", NULL));
  printf("no fd, no timeout: %d\n", event_once(-1, EV_READ, on_once, "never", NULL));
  printf("dispatch returns %d\n", event_dispatch());

  printf("writable fd, events masked: %d\n",
         event_once(quiet[1], EV_WRITE | EV_PERSIST | EV_SIGNAL | EV_TIMEOUT, on_once,
                    "writable-masked", NULL));
  printf("zero timeout: %d\n", event_once(-1, 0, on_once, "zero-timeout", evt_ms(&tv, 0)));
  printf("dispatch returns %d\n", event_dispatch());

  printf("other base: %d\n",
         event_base_once(other, -1, 0, on_once, "on-other-base", evt_ms(&tv, 1)));
  printf("default base: %d\n", event_once(-1, 0, on_once, "on-default-base", evt_ms(&tv, 1)));
  printf("dispatch returns %d\n", event_dispatch());
  printf("event_base_dispatch(other) returns %d\n", event_base_dispatch(other));
  event_base_free(other);
  return 0;
}
