/* A 4-ary min-heap of deadlines: the timer store of the raw floors, which have no library to keep
   timers for them. Each slot caches its deadline so sifting never touches the timers themselves,
   and each timer remembers its slot so re-arming is one sift, not a search. */
#ifndef BENCH_TIMER_HEAP_H
#define BENCH_TIMER_HEAP_H

#include <stdbool.h>
#include <stdint.h>

struct heap_timer {
  uint32_t slot; /* position in the heap, or HEAP_TIMER_IDLE */
};

#define HEAP_TIMER_IDLE UINT32_MAX

struct heap_slot {
  int64_t at_ns;
  struct heap_timer *timer;
};

struct timer_heap {
  struct heap_slot *slots;
  uint32_t size;
  uint32_t capacity;
};

bool timer_heap_init(struct timer_heap *heap, uint32_t capacity);
void timer_heap_destroy(struct timer_heap *heap);

static inline void heap_timer_init(struct heap_timer *timer) {
  timer->slot = HEAP_TIMER_IDLE;
}

/* Queues the timer for at_ns, moving it if it is already queued. The heap never grows: it must
   have been created with room for every timer that can be queued at once. */
void timer_heap_schedule(struct timer_heap *heap, struct heap_timer *timer, int64_t at_ns);
void timer_heap_cancel(struct timer_heap *heap, struct heap_timer *timer);

/* The earliest slot, or NULL when none is queued. */
static inline const struct heap_slot *timer_heap_top(const struct timer_heap *heap) {
  return heap->size ? &heap->slots[0] : 0;
}

#endif
