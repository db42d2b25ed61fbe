#include "timer_heap.h"

#include <stdlib.h>

#define ARITY 4 /* shallower than binary, and a node's children share a cache line or two */

bool timer_heap_init(struct timer_heap *heap, uint32_t capacity) {
  heap->slots = malloc(sizeof *heap->slots * (capacity ? capacity : 1));
  heap->size = 0;
  heap->capacity = capacity;
  return heap->slots != 0;
}

void timer_heap_destroy(struct timer_heap *heap) {
  free(heap->slots);
  heap->slots = 0;
  heap->size = heap->capacity = 0;
}

static void place(struct timer_heap *heap, uint32_t index, struct heap_slot slot) {
  heap->slots[index] = slot;
  slot.timer->slot = index;
}

static void sift_up(struct timer_heap *heap, uint32_t index) {
  struct heap_slot moving = heap->slots[index];
  while (index > 0) {
    uint32_t parent = (index - 1) / ARITY;
    if (heap->slots[parent].at_ns <= moving.at_ns) break;
    place(heap, index, heap->slots[parent]);
    index = parent;
  }
  place(heap, index, moving);
}

static void sift_down(struct timer_heap *heap, uint32_t index) {
  struct heap_slot moving = heap->slots[index];
  for (;;) {
    uint32_t first = ARITY * index + 1;
    if (first >= heap->size) break;
    uint32_t end = first + ARITY < heap->size ? first + ARITY : heap->size;
    uint32_t earliest = first;
    for (uint32_t child = first + 1; child < end; child++) {
      if (heap->slots[child].at_ns < heap->slots[earliest].at_ns) earliest = child;
    }
    if (moving.at_ns <= heap->slots[earliest].at_ns) break;
    place(heap, index, heap->slots[earliest]);
    index = earliest;
  }
  place(heap, index, moving);
}

void timer_heap_schedule(struct timer_heap *heap, struct heap_timer *timer, int64_t at_ns) {
  if (timer->slot == HEAP_TIMER_IDLE) {
    place(heap, heap->size++, (struct heap_slot){at_ns, timer});
    sift_up(heap, timer->slot);
    return;
  }
  int64_t before = heap->slots[timer->slot].at_ns;
  heap->slots[timer->slot].at_ns = at_ns;
  if (at_ns < before)
    sift_up(heap, timer->slot);
  else
    sift_down(heap, timer->slot);
}

void timer_heap_cancel(struct timer_heap *heap, struct heap_timer *timer) {
  uint32_t index = timer->slot;
  timer->slot = HEAP_TIMER_IDLE;
  struct heap_slot last = heap->slots[--heap->size];
  if (last.timer == timer) return;
  place(heap, index, last);
  sift_up(heap, index);
  sift_down(heap, last.timer->slot);
}
