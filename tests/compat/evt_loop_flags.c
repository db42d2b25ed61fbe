/* event_loop, event_base_loop and event_dispatch: the result is 1 when no event is left to wait
 * for and 0 otherwise; EVLOOP_NONBLOCK runs what is ready without waiting, EVLOOP_ONCE waits for
 * one iteration with callbacks; a callback may run the loop again (nested), and an
 * event_loopexit from a callback ends the outer run after that iteration. */
#include "evt.h"

static struct event timer, persist, nester, stopper;
static int ready[2];
static int persist_calls;

static void on_persist(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  if (++persist_calls == 3) {
    printf("  event_loopexit(NULL) returns %d\n", event_loopexit(NULL));
  }
}

static void on_nester(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  struct timeval tv;
  evtimer_set(&stopper, evt_trace, "inner-timer");
  evtimer_add(&stopper, evt_ms(&tv, 1));
  int result = event_loop(EVLOOP_ONCE);
  printf("  nested loop once returns %d, depth now %u\n", result,
         ev_depth((struct ev_loop *)timer.ev_base));
}

int main(void) {
  compat_begin();
  struct event_base *base = event_init();
  evt_pipe(ready, "ready-r", "ready-w");
  struct timeval tv;

  printf("-- nothing to wait for\n");
  printf("event_loop(0) returns %d\n", event_loop(0));
  printf("event_loop(NONBLOCK) returns %d\n", event_loop(EVLOOP_NONBLOCK));
  printf("event_loop(ONCE) returns %d\n", event_loop(EVLOOP_ONCE));
  printf("event_base_loop(ONCE|NONBLOCK) returns %d\n",
         event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK));
  printf("event_dispatch returns %d\n", event_dispatch());

  printf("-- a timer not yet due\n");
  /* Far enough out that a busy machine cannot make it due before the non-blocking run. */
  evtimer_set(&timer, evt_trace, "timer-200ms");
  evtimer_add(&timer, evt_ms(&tv, 200));
  printf("event_loop(NONBLOCK) returns %d\n", event_loop(EVLOOP_NONBLOCK));
  printf("event_loop(ONCE) returns %d\n", event_loop(EVLOOP_ONCE));

  printf("-- a persistent ready event\n");
  evt_fill(ready[1]);
  event_set(&persist, ready[0], EV_READ | EV_PERSIST, on_persist, "persist");
  event_add(&persist, NULL);
  printf("event_loop(NONBLOCK) returns %d\n", event_loop(EVLOOP_NONBLOCK));
  printf("event_base_loop(ONCE) returns %d\n", event_base_loop(base, EVLOOP_ONCE));
  printf("event_dispatch returns %d\n", event_dispatch());
  event_del(&persist);
  evt_drain(ready[0]); /* a ready fd nobody watches could wake the nested run early */

  printf("-- nested\n");
  evtimer_set(&nester, on_nester, "outer-timer");
  evtimer_add(&nester, evt_ms(&tv, 1));
  printf("event_dispatch returns %d\n", event_dispatch());
  return 0;
}
