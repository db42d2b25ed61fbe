/* io events with a timeout. The timeout ends the event whether or not it persists; io readiness
 * ends a non-persistent event's timeout too, but leaves a persistent event's timeout running
 * (readiness does not restart it); re-adding an added event restarts its timeout from now; adding
 * it with a NULL timeval removes the timeout and keeps the io part. Orders are fixed by expiry
 * times, not by how fast the machine is. */
#include "evt.h"

static int quiet[2], ready[2];
static struct event quiet_once, quiet_persist, ready_once, ready_persist, restarted, marker,
    untimed;
static int ready_calls;

static void on_ready_persist(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("ready-persist", &ready_persist);
  if ((events & EV_READ) && ++ready_calls == 3) {
    evt_drain(ready[0]);
    printf("  drained after 3 calls\n");
  }
}

static void on_marker(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  struct timeval tv;
  if (arg == (void *)"re-add-at-20ms") {
    printf("  re-add restarted returns %d\n", event_add(&restarted, evt_ms(&tv, 30)));
    evtimer_set(&marker, on_marker, "marker-at-40ms");
    evtimer_add(&marker, evt_ms(&tv, 20));
  } else if (arg == (void *)"check-untimed") {
    evt_show("untimed after 30ms", &untimed);
    event_del(&untimed);
  }
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(quiet, "quiet-r", "quiet-w");
  evt_pipe(ready, "ready-r", "ready-w");
  struct timeval tv;

  printf("-- a quiet fd times out\n");
  event_set(&quiet_once, quiet[0], EV_READ, evt_trace, "quiet-once");
  event_add(&quiet_once, evt_ms(&tv, 10));
  event_set(&quiet_persist, quiet[0], EV_READ | EV_PERSIST, evt_trace, "quiet-persist");
  event_add(&quiet_persist, evt_ms(&tv, 20));
  evt_show("quiet-persist", &quiet_persist);
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("quiet-once", &quiet_once);
  evt_show("quiet-persist", &quiet_persist);

  printf("-- a ready fd before a long timeout\n");
  evt_fill(ready[1]);
  event_set(&ready_once, ready[0], EV_READ, evt_trace, "ready-once");
  event_add(&ready_once, evt_ms(&tv, 5000));
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("ready-once", &ready_once);

  printf("-- a persistent ready fd keeps its timeout\n");
  event_set(&ready_persist, ready[0], EV_READ | EV_PERSIST, on_ready_persist, "ready-persist");
  event_add(&ready_persist, evt_ms(&tv, 50));
  printf("dispatch returns %d\n", event_dispatch());
  evt_show("ready-persist", &ready_persist);

  printf("-- re-adding restarts the timeout\n");
  event_set(&restarted, quiet[0], EV_READ, evt_trace, "restarted-30ms-after-re-add");
  event_add(&restarted, evt_ms(&tv, 30));
  evtimer_set(&marker, on_marker, "re-add-at-20ms");
  evtimer_add(&marker, evt_ms(&tv, 20));
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- adding without a timeval removes the timeout\n");
  event_set(&untimed, quiet[0], EV_READ, evt_trace, "untimed");
  event_add(&untimed, evt_ms(&tv, 10));
  evt_show("untimed with timeout", &untimed);
  event_add(&untimed, NULL);
  evt_show("untimed re-added", &untimed);
  evtimer_set(&marker, on_marker, "check-untimed");
  evtimer_add(&marker, evt_ms(&tv, 30));
  printf("dispatch returns %d\n", event_dispatch());
  return 0;
}
