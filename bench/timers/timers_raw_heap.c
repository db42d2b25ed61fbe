/* The timer floor: a plain 4-ary heap with the clock read once per iteration, sleeping with
   clock_nanosleep until the earliest deadline. What any timer implementation must at least do. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../common/bench_clock.h"
#include "../common/timer_heap.h"
#include "timer_adapter.h"

static struct timer_heap heap;
static struct heap_timer *timers;
static int64_t now_ns;

const char *timers_init(const char *backend, int count) {
  (void)backend;
  timers = calloc((size_t)count, sizeof *timers);
  if (!timers || !timer_heap_init(&heap, (uint32_t)count)) return "out of memory";
  for (int i = 0; i < count; i++) heap_timer_init(&timers[i]);
  now_ns = bench_now_ns();
  return NULL;
}

const char *timers_describe(void) {
  return "4-ary heap, clock_nanosleep";
}

static int64_t to_ns(double seconds) {
  return (int64_t)(seconds * 1e9);
}

void timers_start(int index, double after) {
  timer_heap_schedule(&heap, &timers[index], now_ns + to_ns(after));
}

void timers_again(int index, double repeat) {
  timer_heap_schedule(&heap, &timers[index], now_ns + to_ns(repeat));
}

void timers_stop(int index) {
  timer_heap_cancel(&heap, &timers[index]);
}

void timers_run_once(void) {
  const struct heap_slot *due = timer_heap_top(&heap);
  if (!due) return;
  now_ns = bench_now_ns();
  if (due->at_ns > now_ns) {
    struct timespec until = {(time_t)(due->at_ns / 1000000000), (long)(due->at_ns % 1000000000)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
    now_ns = bench_now_ns();
  }
  while ((due = timer_heap_top(&heap)) && due->at_ns <= now_ns) {
    struct heap_timer *timer = due->timer;
    timer_heap_cancel(&heap, timer);
    timer_bench_fired((int)(timer - timers));
  }
}
