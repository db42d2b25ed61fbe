/* Bad input, each case in a child process. Where libev's emulation asserts or crashes (an fd or
 * signal number out of range, a signal two bases want, a negative timeout, any loop operation
 * before event_init) run.sh compares nothing: evring returns -1 there instead (tests/
 * test_event_compat.cpp). The cases libev survives must match: operations that need no loop on
 * an event without a base, an event with no kind, EV_SIGNAL together with EV_READ, a closed fd
 * (where the backend reports it), odd timevals. */
#include <limits.h>

#include "evt.h"

static struct event ev, other_ev;

static void show_add(struct event *e, struct timeval *tv) {
  int result = event_add(e, tv);
  printf("  event_add returns %d\n", result);
  evt_show("event", e);
}

static void fd_minus_one(const void *arg) {
  (void)arg;
  event_init();
  event_set(&ev, -1, EV_READ, evt_trace, "fd-minus-one");
  show_add(&ev, NULL);
  printf("  loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
}

static void signal_number(const void *arg) {
  event_init();
  signal_set(&ev, *(const int *)arg, evt_trace_signal, "bad-signal");
  show_add(&ev, NULL);
  printf("  loop nonblock returns %d\n", event_loop(EVLOOP_NONBLOCK));
}

static void signal_two_bases(const void *arg) {
  (void)arg;
  event_init();
  struct event_base *other = event_base_new();
  signal_set(&ev, SIGUSR1, evt_trace_signal, "usr1-default");
  show_add(&ev, NULL);
  signal_set(&other_ev, SIGUSR1, evt_trace_signal, "usr1-other");
  event_base_set(other, &other_ev);
  show_add(&other_ev, NULL);
  raise(SIGUSR1);
  printf("  loop once returns %d\n", event_loop(EVLOOP_ONCE));
}

static void negative_timeout(const void *arg) {
  (void)arg;
  event_init();
  evtimer_set(&ev, evt_trace, "negative");
  struct timeval tv = {-1, 0};
  show_add(&ev, &tv);
  printf("  dispatch returns %d\n", event_dispatch());
}

static void no_base_needs_loop(const void *arg) {
  (void)arg;
  struct timeval tv = {0, 1000};
  evtimer_set(&ev, evt_trace, "no-base");
  show_add(&ev, &tv);
  printf("  dispatch returns %d\n", event_dispatch());
}

static void no_base_io(const void *arg) {
  (void)arg;
  event_set(&ev, 0, EV_READ, evt_trace, "no-base-io");
  show_add(&ev, NULL);
}

static void no_base_dispatch(const void *arg) {
  (void)arg;
  printf("  event_dispatch returns %d\n", event_dispatch());
}

static void no_base_loopexit(const void *arg) {
  (void)arg;
  printf("  event_loopexit returns %d\n", event_loopexit(NULL));
}

static void no_base_once(const void *arg) {
  (void)arg;
  struct timeval tv = {0, 1000};
  printf("  event_once returns %d\n", event_once(-1, 0, evt_trace, "no-base-once", &tv));
}

static void no_base_active(const void *arg) {
  (void)arg;
  evtimer_set(&ev, evt_trace, "no-base-active");
  event_active(&ev, EV_TIMEOUT, 1);
  printf("  event_active returned\n");
}

/* libev survives these: nothing in them needs a loop. */
static void no_base_harmless(const void *arg) {
  (void)arg;
  evtimer_set(&ev, evt_trace, "no-base-harmless");
  printf("  base is NULL: %d\n", ev.ev_base == NULL);
  show_add(&ev, NULL);
  printf("  event_del returns %d\n", event_del(&ev));
  printf("  event_pending without tv: %s\n", evt_events_text(event_pending(&ev, -1, NULL)));
  struct timeval tv = {7, 7};
  int result = event_pending(&ev, EV_TIMEOUT, &tv);
  printf("  event_pending with tv: %s, tv untouched %d\n", evt_events_text(result),
         tv.tv_sec == 7 && tv.tv_usec == 7);
  printf("  event_priority_init returns %d\n", event_priority_init(3));
  printf("  event_priority_set returns %d\n", event_priority_set(&ev, 1));
  printf("  event_get_method %s\n", event_get_method());
}

static void no_kind(const void *arg) {
  (void)arg;
  event_init();
  int fds[2];
  evt_pipe(fds, "ready-r", "ready-w");
  evt_fill(fds[1]);
  event_set(&ev, fds[0], 0, evt_trace, "no-kind");
  show_add(&ev, NULL);
  printf("  dispatch returns %d\n", event_dispatch());
  event_set(&ev, fds[0], EV_PERSIST, evt_trace, "no-kind-with-timeout");
  struct timeval tv = {0, 1000};
  show_add(&ev, &tv);
  printf("  dispatch returns %d\n", event_dispatch());
}

static void signal_and_read(const void *arg) {
  (void)arg;
  event_init();
  event_set(&ev, SIGUSR2, EV_SIGNAL | EV_READ | EV_WRITE, evt_trace_signal, "signal-and-read");
  show_add(&ev, NULL);
  raise(SIGUSR2);
  printf("  loop once returns %d\n", event_loop(EVLOOP_ONCE));
  event_del(&ev);
}

/* select reports the closed fd, epoll never hears of it, libev's poll asserts. */
static void closed_fd(const void *arg) {
  (void)arg;
  event_init();
  int fds[2];
  evt_pipe(fds, "closed-r", "closed-w");
  close(fds[0]);
  close(fds[1]);
  event_set(&ev, fds[0], EV_READ | EV_PERSIST, evt_trace, "closed-fd");
  struct timeval tv = {0, 20000};
  show_add(&ev, &tv);
  printf("  dispatch returns %d\n", event_dispatch());
  evt_show("event", &ev);
}

static void odd_timevals(const void *arg) {
  (void)arg;
  event_init();
  static struct event huge, carry, borrow, marker;
  struct timeval tv;
  evtimer_set(&huge, evt_trace, "huge");
  tv.tv_sec = LONG_MAX / 2;
  tv.tv_usec = 0;
  show_add(&huge, &tv);
  printf("  event_del(huge) returns %d\n", event_del(&huge));
  evtimer_set(&carry, evt_trace, "usec-carry-30ms");
  tv.tv_sec = 0;
  tv.tv_usec = 30000;
  event_add(&carry, &tv);
  evtimer_set(&borrow, evt_trace, "usec-borrow-10ms");
  tv.tv_sec = 1;
  tv.tv_usec = -990000;
  event_add(&borrow, &tv);
  evtimer_set(&marker, evt_trace, "marker-20ms");
  event_add(&marker, evt_ms(&tv, 20));
  printf("  dispatch returns %d\n", event_dispatch());
}

int main(void) {
  compat_begin();
  static const int zero = 0, too_big = 65, negative = -3;
  run_isolated("fd -1", fd_minus_one, NULL);
  run_isolated("signal 0", signal_number, &zero);
  run_isolated("signal 65", signal_number, &too_big);
  run_isolated("signal -3", signal_number, &negative);
  run_isolated("one signal in two bases", signal_two_bases, NULL);
  run_isolated("negative timeout", negative_timeout, NULL);
  run_isolated("no base, timeout", no_base_needs_loop, NULL);
  run_isolated("no base, io", no_base_io, NULL);
  run_isolated("no base, event_dispatch", no_base_dispatch, NULL);
  run_isolated("no base, event_loopexit", no_base_loopexit, NULL);
  run_isolated("no base, event_once", no_base_once, NULL);
  run_isolated("no base, event_active", no_base_active, NULL);
  run_isolated("no base, no loop needed", no_base_harmless, NULL);
  run_isolated("no kind of event", no_kind, NULL);
  run_isolated("EV_SIGNAL with EV_READ", signal_and_read, NULL);
  run_isolated("closed fd", closed_fd, NULL);
  run_isolated("odd timevals", odd_timevals, NULL);
  return 0;
}
