/* Timer benchmark contender on libuv 1.44 timers (millisecond resolution, as libuv offers). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "timer_adapter.h"

static uv_loop_t loop;
static uv_timer_t *timers;

static void on_timer(uv_timer_t *handle) {
  timer_bench_fired((int)(handle - timers));
}

static uint64_t to_ms(double seconds) {
  return (uint64_t)(seconds * 1000.0);
}

const char *timers_init(const char *backend, int count) {
  if (strcmp(backend, "epoll") != 0) return "libuv only runs on epoll here";
  if (uv_loop_init(&loop) != 0) return "uv_loop_init failed";
  timers = calloc((size_t)count, sizeof *timers);
  if (!timers) return "out of memory";
  for (int i = 0; i < count; i++) uv_timer_init(&loop, &timers[i]);
  return NULL;
}

const char *timers_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "libuv %s epoll", uv_version_string());
  return text;
}

void timers_start(int index, double after) {
  uv_timer_start(&timers[index], on_timer, to_ms(after), 0);
}

void timers_again(int index, double repeat) {
  uv_timer_set_repeat(&timers[index], to_ms(repeat));
  uv_timer_again(&timers[index]);
}

void timers_stop(int index) {
  uv_timer_stop(&timers[index]);
}

void timers_run_once(void) {
  uv_run(&loop, UV_RUN_ONCE);
}
