/* Loop benchmark contender on libevent 2.1: a persistent read event and a persistent (repeating)
   timer event per fd. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/libevent_method.h"
#include "loop_adapter.h"

static struct event_base *base;
static struct event *io_events;
static struct event *timer_events;
static struct timeval *repeats;
static int event_count;
static bool use_timers;

static void on_io(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  bench_on_readable((int)(intptr_t)arg);
}

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  bench_on_timeout((int)(intptr_t)arg);
}

const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers) {
  const char *failure = NULL;
  base = bench_libevent_base(backend, &failure);
  if (!base) return failure;
  event_count = count;
  use_timers = with_timers;
  io_events = calloc((size_t)count, sizeof *io_events);
  timer_events = calloc((size_t)count, sizeof *timer_events);
  repeats = calloc((size_t)count, sizeof *repeats);
  if (!io_events || !timer_events || !repeats) return "out of memory";
  for (int i = 0; i < count; i++) {
    void *index = (void *)(intptr_t)i;
    event_assign(&io_events[i], base, read_fds[i], EV_READ | EV_PERSIST, on_io, index);
    /* EV_PERSIST makes the timer repeat, like an ev_timer with a repeat value. */
    event_assign(&timer_events[i], base, -1, EV_PERSIST, on_timer, index);
    double repeat = bench_timer_repeat(i);
    repeats[i].tv_sec = (time_t)repeat;
    repeats[i].tv_usec = (suseconds_t)((repeat - (double)repeats[i].tv_sec) * 1e6);
  }
  return NULL;
}

const char *adapter_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "libevent %s %s", event_get_version(), event_base_get_method(base));
  return text;
}

void adapter_setup_watchers(void) {
  for (int i = 0; i < event_count; i++) {
    event_del(&io_events[i]);
    event_add(&io_events[i], NULL);
    if (use_timers) {
      event_del(&timer_events[i]);
      event_add(&timer_events[i], &repeats[i]);
    }
  }
}

void adapter_run_once(void) {
  event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
}

/* Adding a pending timer event reschedules it, which is libevent's ev_timer_again. */
void adapter_timer_again(int index) {
  event_add(&timer_events[index], &repeats[index]);
}
