#include "floor_timers.h"

#include <stdlib.h>

#include "../common/bench_clock.h"
#include "../common/timer_heap.h"
#include "loop_adapter.h"

static struct timer_heap heap;
static struct heap_timer *timers;
static int64_t *repeat_ns;
static int64_t now_ns;

bool floor_timers_init(int count) {
  timers = calloc((size_t)count, sizeof *timers);
  repeat_ns = calloc((size_t)count, sizeof *repeat_ns);
  if (!timers || !repeat_ns || !timer_heap_init(&heap, (uint32_t)count)) return false;
  for (int i = 0; i < count; i++) {
    heap_timer_init(&timers[i]);
    repeat_ns[i] = (int64_t)(bench_timer_repeat(i) * 1e9);
  }
  return true;
}

void floor_timers_update_now(void) {
  now_ns = bench_now_ns();
}

void floor_timers_restart_all(void) {
  floor_timers_update_now();
  for (uint32_t i = 0; i < heap.capacity; i++) floor_timers_again((int)i);
}

void floor_timers_again(int index) {
  timer_heap_schedule(&heap, &timers[index], now_ns + repeat_ns[index]);
}

void floor_timers_expire(void) {
  const struct heap_slot *due;
  while ((due = timer_heap_top(&heap)) && due->at_ns <= now_ns) {
    int index = (int)(due->timer - timers);
    floor_timers_again(index);
    bench_on_timeout(index);
  }
}
