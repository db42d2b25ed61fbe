/* Timer benchmark contender on the libev API only, so it builds against libev and evring. */
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>

#include "../common/ev_backend_flag.h"
#include "timer_adapter.h"

static struct ev_loop *loop;
static ev_timer *timers;

static void on_timer(struct ev_loop *l, ev_timer *w, int revents) {
  (void)l;
  (void)revents;
  timer_bench_fired((int)(w - timers));
}

const char *timers_init(const char *backend, int count) {
  unsigned backend_flag = bench_backend_flag(backend);
  if (!backend_flag) return "unknown backend name";
  loop = ev_loop_new(backend_flag | EVFLAG_NOENV);
  if (!loop || ev_backend(loop) != backend_flag) return "backend not available";
  timers = calloc((size_t)count, sizeof *timers);
  if (!timers) return "out of memory";
  for (int i = 0; i < count; i++) ev_init(&timers[i], on_timer);
  return NULL;
}

const char *timers_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "ev %d.%d backend 0x%x", ev_version_major(), ev_version_minor(),
           ev_backend(loop));
  return text;
}

void timers_start(int index, double after) {
  ev_timer_set(&timers[index], after, 0.0);
  ev_timer_start(loop, &timers[index]);
}

void timers_again(int index, double repeat) {
  timers[index].repeat = repeat;
  ev_timer_again(loop, &timers[index]);
}

void timers_stop(int index) {
  ev_timer_stop(loop, &timers[index]);
}

void timers_run_once(void) {
  ev_run(loop, EVRUN_ONCE);
}
