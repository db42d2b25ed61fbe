/* Timer benchmark contender on libevent 2.1 timer events. */
#include <event2/event.h>
#include <event2/event_struct.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/libevent_method.h"
#include "timer_adapter.h"

static struct event_base *base;
static struct event *timers;

static void on_timer(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  timer_bench_fired((int)(intptr_t)arg);
}

static struct timeval to_timeval(double seconds) {
  struct timeval tv;
  tv.tv_sec = (time_t)seconds;
  tv.tv_usec = (suseconds_t)((seconds - (double)tv.tv_sec) * 1e6);
  return tv;
}

const char *timers_init(const char *backend, int count) {
  const char *failure = NULL;
  base = bench_libevent_base(backend, &failure);
  if (!base) return failure;
  timers = calloc((size_t)count, sizeof *timers);
  if (!timers) return "out of memory";
  for (int i = 0; i < count; i++) evtimer_assign(&timers[i], base, on_timer, (void *)(intptr_t)i);
  return NULL;
}

const char *timers_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "libevent %s %s", event_get_version(), event_base_get_method(base));
  return text;
}

void timers_start(int index, double after) {
  struct timeval tv = to_timeval(after);
  event_add(&timers[index], &tv);
}

/* Adding a pending timer event reschedules it. */
void timers_again(int index, double repeat) {
  struct timeval tv = to_timeval(repeat);
  event_add(&timers[index], &tv);
}

void timers_stop(int index) {
  event_del(&timers[index]);
}

void timers_run_once(void) {
  event_base_loop(base, EVLOOP_ONCE);
}
