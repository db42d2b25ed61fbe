/* event_add on an event whose callback is already queued: a queued timeout is withdrawn and the
 * timeout starts over (so does a timeout queued by event_active); a queued io callback still
 * runs, since the added io part is left as it is; re-adding with a different fd in the struct
 * does not move an added event. */
#include "evt.h"

static int ready[2], quiet[2];
static struct event leader, follower, io_leader, io_follower, fed, moved;

static void on_leader(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  evt_show("follower queued", &follower);
  struct timeval tv;
  printf("  re-add follower returns %d\n", evtimer_add(&follower, evt_ms(&tv, 20)));
  evt_show("follower re-added", &follower);
}

static void on_io_leader(int fd, short events, void *arg) {
  evt_trace(fd, events, arg);
  struct timeval tv;
  printf("  re-add io-follower returns %d\n", event_add(&io_follower, evt_ms(&tv, 1000)));
  evt_show("io-follower re-added", &io_follower);
}

int main(void) {
  compat_begin();
  event_init();
  evt_pipe(ready, "ready-r", "ready-w");
  evt_pipe(quiet, "quiet-r", "quiet-w");
  evt_fill(ready[1]);
  struct timeval tv;

  printf("-- a queued timeout is withdrawn and restarts\n");
  evtimer_set(&leader, on_leader, "leader");
  evtimer_set(&follower, evt_trace, "follower");
  evt_ms(&tv, 5);
  evtimer_add(&leader, &tv);
  evtimer_add(&follower, &tv);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- a queued io callback still runs\n");
  event_set(&io_leader, ready[0], EV_READ, on_io_leader, "io-leader");
  event_add(&io_leader, NULL);
  event_set(&io_follower, ready[0], EV_READ, evt_trace, "io-follower");
  event_add(&io_follower, NULL);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evt_show("io-follower", &io_follower);

  printf("-- event_active then event_add\n");
  event_set(&fed, quiet[0], EV_READ, evt_trace, "fed");
  event_add(&fed, NULL);
  event_active(&fed, EV_READ | EV_TIMEOUT, 1);
  evt_show("fed after event_active", &fed);
  printf("add with timeout returns %d\n", event_add(&fed, evt_ms(&tv, 10)));
  evt_show("fed after event_add", &fed);
  printf("loop once returns %d\n", event_loop(EVLOOP_ONCE));
  evt_show("fed", &fed);
  event_active(&fed, EV_TIMEOUT, 1);
  printf("add with timeout returns %d\n", event_add(&fed, evt_ms(&tv, 10)));
  printf("dispatch returns %d\n", event_dispatch());

  printf("-- re-adding does not move an added event to a new fd\n");
  event_set(&moved, quiet[0], EV_READ, evt_trace, "moved");
  event_add(&moved, NULL);
  moved.ev_fd = ready[0];
  printf("add returns %d\n", event_add(&moved, evt_ms(&tv, 10)));
  printf("dispatch returns %d\n", event_dispatch());
  return 0;
}
