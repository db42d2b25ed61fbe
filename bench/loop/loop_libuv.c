/* Loop benchmark contender on libuv 1.44: a uv_poll_t per fd (libuv's readiness watcher) and a
   repeating uv_timer_t per fd. libuv picks its own backend (epoll on Linux). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "loop_adapter.h"

static uv_loop_t loop;
static uv_poll_t *polls;
static uv_timer_t *timers;
static int handle_count;
static bool use_timers;

static void on_poll(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  bench_on_readable((int)(handle - polls));
}

static void on_timer(uv_timer_t *handle) {
  bench_on_timeout((int)(handle - timers));
}

static uint64_t repeat_ms(int index) {
  return (uint64_t)(bench_timer_repeat(index) * 1000.0);
}

const char *adapter_init(const char *backend, const int *read_fds, int count, bool with_timers) {
  if (strcmp(backend, "epoll") != 0) return "libuv only runs on epoll here";
  if (uv_loop_init(&loop) != 0) return "uv_loop_init failed";
  handle_count = count;
  use_timers = with_timers;
  polls = calloc((size_t)count, sizeof *polls);
  timers = calloc((size_t)count, sizeof *timers);
  if (!polls || !timers) return "out of memory";
  for (int i = 0; i < count; i++) {
    if (uv_poll_init(&loop, &polls[i], read_fds[i]) != 0) return "uv_poll_init failed";
    uv_timer_init(&loop, &timers[i]);
  }
  return NULL;
}

const char *adapter_describe(void) {
  static char text[64];
  snprintf(text, sizeof text, "libuv %s epoll", uv_version_string());
  return text;
}

void adapter_setup_watchers(void) {
  for (int i = 0; i < handle_count; i++) {
    uv_poll_stop(&polls[i]);
    uv_poll_start(&polls[i], UV_READABLE, on_poll);
    if (use_timers) {
      uv_timer_stop(&timers[i]);
      uv_timer_start(&timers[i], on_timer, repeat_ms(i), repeat_ms(i));
    }
  }
}

void adapter_run_once(void) {
  uv_run(&loop, UV_RUN_NOWAIT);
}

void adapter_timer_again(int index) {
  uv_timer_again(&timers[index]);
}
